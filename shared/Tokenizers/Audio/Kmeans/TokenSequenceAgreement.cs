using Media.Audio.Metrics;

namespace Media.Tokenizers.Audio.Kmeans;

/// <summary>
/// How alike two token sequences of the same content are, as unit-sequence comparisons of discrete speech units do:
/// runs of a repeated token collapse to one (duration differs between voices), then 1 minus the Levenshtein distance
/// over the longer length. 1: the same units in the same order; near the figure for unrelated sentences: nothing shared.
/// </summary>
public static class TokenSequenceAgreement
{
    /// <summary>The sequence with each run of one token collapsed to a single token.</summary>
    public static int[] Deduplicate(IReadOnlyList<int> tokens)
    {
        ArgumentNullException.ThrowIfNull(tokens);
        var result = new List<int>(tokens.Count);
        foreach (int t in tokens)
            if (result.Count == 0 || result[^1] != t) result.Add(t);
        return [.. result];
    }

    /// <summary>1 - edit distance / longer length of the deduplicated sequences (1 for two empty ones).</summary>
    public static double Of(IReadOnlyList<int> a, IReadOnlyList<int> b)
    {
        var x = Deduplicate(a);
        var y = Deduplicate(b);
        int longer = Math.Max(x.Length, y.Length);
        return longer == 0 ? 1 : 1 - (double)EditDistance.Of(x, y) / longer;
    }
}
