using System.Text.RegularExpressions;

namespace Media.Services.Audio.Speech.Generation;

/// <summary>
/// Cuts text longer than a voice says at once into utterances it can say: at sentence ends first, then at commas, then
/// between words, and packs neighbours back together while they still fit, so a pasted paragraph becomes a few natural
/// utterances rather than a refusal.
/// </summary>
public static partial class UtteranceSplitter
{
    /// <summary>Sentence ends, then clause ends, then word boundaries: each a finer place to cut.</summary>
    static readonly Regex[] Cuts = [SentenceEnd(), ClauseEnd(), Space()];

    /// <summary>The utterances of <paramref name="text"/>, each accepted by <paramref name="fits"/> (a single word that does not fit stays whole).</summary>
    public static IReadOnlyList<string> Split(string text, Func<string, bool> fits)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(fits);
        return [.. Pieces(text.Trim(), fits, 0)];
    }

    static IEnumerable<string> Pieces(string text, Func<string, bool> fits, int level)
    {
        if (text.Length == 0) yield break;
        if (fits(text) || level == Cuts.Length)
        {
            yield return text;
            yield break;
        }
        string current = "";
        foreach (string part in Cuts[level].Split(text).Where(p => p.Length > 0))
        {
            string joined = current.Length == 0 ? part : current + " " + part;
            if (fits(joined))
            {
                current = joined;
                continue;
            }
            if (current.Length > 0) yield return current;
            current = "";
            if (fits(part)) current = part;
            else foreach (string piece in Pieces(part, fits, level + 1)) yield return piece;
        }
        if (current.Length > 0) yield return current;
    }

    [GeneratedRegex(@"(?<=[.!?;:])\s+")]
    private static partial Regex SentenceEnd();

    [GeneratedRegex(@"(?<=,)\s+")]
    private static partial Regex ClauseEnd();

    [GeneratedRegex(@"\s+")]
    private static partial Regex Space();
}
