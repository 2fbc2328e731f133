using Media.Hosting.Jobs;

namespace Media.Services.Song;

/// <summary>The <c>song</c> job kind: lyrics (and a style description) to a song.</summary>
public static class SongJobKind
{
    public const string Name = "song";

    public static JobKind Definition { get; } = new(Name, "lyrics to song", [
        new("lyrics", FieldType.Text, true, 1, 8000, "lyrics, one line per sung line"),
        new("description", FieldType.Text, false, 0, 1000, "style, genre, instruments, mood"),
        new("duration_seconds", FieldType.Number, false, 1, 300, "length of the song"),
        new("temperature", FieldType.Number, false, 0, 10, "sampling temperature"),
        new("top_k", FieldType.WholeNumber, false, 0, 1_000_000, "keep the k most likely tokens (0: all)"),
        new("guidance_scale", FieldType.Number, false, 0, 50, "classifier-free guidance scale"),
        JobKind.Seed,
    ]);
}
