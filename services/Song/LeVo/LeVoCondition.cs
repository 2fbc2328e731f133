using System.Text;

namespace Media.Services.Song.LeVo;

/// <summary>
/// What a LeVo song is made from, as ids: the lyrics (<see cref="Lyrics.LyricsTokenizer"/>, tags included) and the
/// description (its start id, then its UTF-8 bytes).
/// </summary>
public sealed record LeVoCondition(IReadOnlyList<int> Lyrics, IReadOnlyList<int> Description)
{
    /// <summary>The condition of a description text and lyrics ids, the description cut to the config's longest.</summary>
    public static LeVoCondition Of(LeVoConfig config, string description, IReadOnlyList<int> lyrics)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(description);
        ArgumentNullException.ThrowIfNull(lyrics);
        var bytes = Encoding.UTF8.GetBytes(description);
        return new LeVoCondition(lyrics, [config.DescriptionStart, .. bytes.Take(config.MaxDescriptionBytes - 1).Select(b => (int)b)]);
    }
}
