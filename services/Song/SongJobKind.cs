using Media.Hosting.Jobs;
using Media.Services.Song.Lyrics;

namespace Media.Services.Song;

/// <summary>
/// The <c>song</c> job kind: lyrics (with <c>[verse]</c>, <c>[chorus]</c>, <c>[bridge]</c> tags) and a style description
/// to a song, in one of SongGen's modes. Lyrics with an unknown tag, nothing to sing, characters that cannot be sung or
/// too many lines, and a blank description, are refused with a 400 naming the field.
/// </summary>
public static class SongJobKind
{
    public const string Name = "song";

    /// <summary>Longest song a request may ask for (SongGen's decoder holds 30 s).</summary>
    public const double MaxSeconds = 30;

    public static JobKind Definition { get; } = new(Name, "lyrics to song", [
        new("lyrics", FieldType.Text, true, 1, 8000, "lyrics, one sung line per line; sections opened by [verse], [chorus] or [bridge] on their own line",
            TextCheck: LyricsText.Check),
        new("description", FieldType.Text, false, 1, 1000, "style: genre, mood, instruments, key, tempo, voice",
            TextCheck: text => string.IsNullOrWhiteSpace(text) ? "must not be blank" : null),
        new("duration_seconds", FieldType.Number, false, 1, MaxSeconds, "length of the song in seconds"),
        new("mode", FieldType.Choice, false, 0, 0, "SongGen mode: one mixed track, or vocal and accompaniment together (dual-track modes also give the stems)",
            Choices: SongModes.All),
        new("temperature", FieldType.Number, false, 0, 10, "sampling temperature"),
        new("top_k", FieldType.WholeNumber, false, 0, 1_000_000, "keep the k most likely tokens (0: all)"),
        new("guidance_scale", FieldType.Number, false, 0, 50, "classifier-free guidance scale"),
        JobKind.Seed,
    ]);
}
