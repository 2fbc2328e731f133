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
