namespace Media.Services.Audio.Speech.Recognizer;

/// <summary>Character error rate: Levenshtein edits (substitutions, insertions, deletions) divided by the reference length.</summary>
public static class CharacterErrorRate
{
    /// <summary>Minimum number of single-character edits turning <paramref name="reference"/> into <paramref name="hypothesis"/>.</summary>
    public static int EditDistance(string reference, string hypothesis)
    {
        ArgumentNullException.ThrowIfNull(reference);
        ArgumentNullException.ThrowIfNull(hypothesis);
        var previous = new int[hypothesis.Length + 1];
        var current = new int[hypothesis.Length + 1];
        for (int j = 0; j <= hypothesis.Length; j++) previous[j] = j;
        for (int i = 1; i <= reference.Length; i++)
        {
            current[0] = i;
            for (int j = 1; j <= hypothesis.Length; j++)
            {
                int substitution = previous[j - 1] + (reference[i - 1] == hypothesis[j - 1] ? 0 : 1);
                current[j] = Math.Min(substitution, Math.Min(previous[j] + 1, current[j - 1] + 1));
            }
            (previous, current) = (current, previous);
        }
        return previous[hypothesis.Length];
    }

    /// <summary>Edits / reference characters for one pair; the reference must not be empty.</summary>
    public static double Compute(string reference, string hypothesis)
    {
        ArgumentException.ThrowIfNullOrEmpty(reference);
        return (double)EditDistance(reference, hypothesis) / reference.Length;
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
