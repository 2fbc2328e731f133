using Media.Audio.Corpora;
using Media.Services.Song.Lyrics;

namespace Media.Services.Song.Data;

/// <summary>
/// The opening of a corpus song that fits in <paramref name="Seconds"/>: the lyric lines sung by then (at least the first),
/// as a request would send them (tags included) and as the recognizer should hear them (the transcript), and the number of codec frames the excerpt takes. Training crops songs
/// to it and evaluation asks for it, so a model is measured on what it was taught: every given line sung within the duration.
/// </summary>
public sealed record SongExcerpt(string Lyrics, string Transcript, double Seconds, int Frames)
{
    /// <summary>The excerpt of <paramref name="song"/> within <paramref name="maxSeconds"/> at <paramref name="frameRate"/> frames/s.</summary>
    public static SongExcerpt Of(LyricSong song, double maxSeconds, int frameRate)
    {
        ArgumentNullException.ThrowIfNull(song);
        var lines = song.Lines.TakeWhile((line, i) => i == 0 || line.End <= maxSeconds).ToList();
        double seconds = Math.Min(song.DurationSeconds, Math.Max(maxSeconds, lines[^1].End));
        var text = new System.Text.StringBuilder();
        string? tag = null;
        foreach (var line in lines)
        {
            if (line.Tag != tag) text.Append('[').Append(line.Tag.Trim('[', ']')).Append("]\n");
            tag = line.Tag;
            text.Append(line.Text).Append('\n');
        }
        return new SongExcerpt(text.ToString(), string.Join(" ", lines.Select(l => l.Text)).ToLowerInvariant(), seconds, (int)Math.Ceiling(seconds * frameRate));
    }

    /// <summary>The excerpt's lyrics tokens (through the request parser).</summary>
    public int[] LyricsTokens()
    {
        var (sections, error) = LyricsText.Parse(Lyrics);
        return error is null ? LyricsTokenizer.Encode(sections) : throw new InvalidOperationException($"An excerpt's lyrics would be refused: {error}.");
    }
}
