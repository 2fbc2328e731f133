namespace Media.Services.Audio.Speech.Recognizer;

/// <summary>Character error rate: Levenshtein edits (substitutions, insertions, deletions) divided by the reference length.</summary>
public static class CharacterErrorRate
{
    /// <summary>Minimum number of single-character edits turning <paramref name="reference"/> into <paramref name="hypothesis"/>.</summary>
    public static int EditDistance(string reference, string hypothesis)
    {
        ArgumentNullException.ThrowIfNull(reference);
        ArgumentNullException.ThrowIfNull(hypothesis);
        return Media.Audio.Metrics.EditDistance.Of(reference.ToCharArray(), hypothesis.ToCharArray());
    }

    /// <summary>Edits / reference characters for one pair; the reference must not be empty.</summary>
    public static double Compute(string reference, string hypothesis)
    {
        ArgumentException.ThrowIfNullOrEmpty(reference);
        return (double)EditDistance(reference, hypothesis) / reference.Length;
    }

    /// <summary>
    /// Edits of a minimum alignment of <paramref name="hypothesis"/> to <paramref name="reference"/> that fall on the
    /// reference's characters <paramref name="start"/>..<paramref name="end"/>-1: their substitutions and deletions, and
    /// insertions between them or at either edge. Divided by the span's length, the CER of one span (an edited word) of an
    /// utterance recognised whole.
    /// </summary>
    public static int SpanEdits(string reference, string hypothesis, int start, int end)
    {
        ArgumentNullException.ThrowIfNull(reference);
        ArgumentNullException.ThrowIfNull(hypothesis);
        if (start < 0 || end < start || end > reference.Length) throw new ArgumentOutOfRangeException(nameof(end), $"The span {start}..{end} must lie inside the reference's {reference.Length} characters.");
        int n = reference.Length, m = hypothesis.Length;
        var d = new int[n + 1, m + 1];
        for (int i = 0; i <= n; i++) d[i, 0] = i;
        for (int j = 0; j <= m; j++) d[0, j] = j;
        for (int i = 1; i <= n; i++)
            for (int j = 1; j <= m; j++)
                d[i, j] = Math.Min(Math.Min(d[i - 1, j] + 1, d[i, j - 1] + 1), d[i - 1, j - 1] + (reference[i - 1] == hypothesis[j - 1] ? 0 : 1));
        // Walk one minimum path back, counting the edits at reference positions inside the span.
        int edits = 0;
        for (int i = n, j = m; i > 0 || j > 0;)
        {
            bool inside = i - 1 >= start && i - 1 < end;
            if (i > 0 && j > 0 && d[i, j] == d[i - 1, j - 1] + (reference[i - 1] == hypothesis[j - 1] ? 0 : 1))
            {
                if (inside && reference[i - 1] != hypothesis[j - 1]) edits++;
                i--; j--;
            }
            else if (i > 0 && d[i, j] == d[i - 1, j] + 1)
            {
                if (inside) edits++;
                i--;
            }
            else
            {
                // An insertion after reference character i - 1: inside when it sits between or next to the span's characters.
                if (i >= start && i <= end && end > start) edits++;
                j--;
            }
        }
        return edits;
    }

    /// <summary>Corpus CER: total edits over total reference characters (longer sentences weigh more).</summary>
    public static double Compute(IEnumerable<(string Reference, string Hypothesis)> pairs)
    {
        ArgumentNullException.ThrowIfNull(pairs);
        long edits = 0, characters = 0;
        foreach (var (reference, hypothesis) in pairs)
        {
            edits += EditDistance(reference, hypothesis);
            characters += reference.Length;
        }
        if (characters == 0) throw new ArgumentException("The references hold no characters.", nameof(pairs));
        return (double)edits / characters;
    }
}
