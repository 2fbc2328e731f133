namespace Media.Modeling.Sampling;

/// <summary>
/// How one request turns logits into tokens: temperature, then top-k, then top-p (nucleus), then a
/// multinomial draw from the request's own seeded generator. Temperature 0 means greedy (argmax).
/// An optional repetition penalty acts on the logits first, over a window of the latest tokens.
/// </summary>
public sealed record SamplingParameters
{
    /// <summary>Divides the logits before filtering; 0 selects greedy decoding.</summary>
    public double Temperature { get; init; } = 1.0;

    /// <summary>Keep only the k most likely tokens (ties with the k-th are kept); 0 keeps all.</summary>
    public int TopK { get; init; }

    /// <summary>Keep the smallest set of most likely tokens whose mass is at least p (always at least one); 1 keeps all.</summary>
    public double TopP { get; init; } = 1.0;

    /// <summary>Repetition penalty factor; 1 disables it.</summary>
    public double RepetitionPenalty { get; init; } = 1.0;

    /// <summary>How many of the latest tokens the penalty looks at; 0 looks at the whole history given.</summary>
    public int RepetitionWindow { get; init; }

    /// <summary>How the penalty grows with repeats and treats the sign of a logit.</summary>
    public RepetitionPenaltyMode RepetitionMode { get; init; } = RepetitionPenaltyMode.Presence;

    /// <summary>Seed of the request's own generator, so a request samples the same tokens whatever shares its batch.</summary>
    public ulong Seed { get; init; }

    /// <summary>Greedy decoding: the argmax of the (penalised) logits.</summary>
    public static SamplingParameters Greedy { get; } = new() { Temperature = 0 };

    /// <summary>True when the request takes the argmax instead of drawing.</summary>
    public bool IsGreedy => Temperature == 0;

    /// <summary>Throws an <see cref="ArgumentException"/> naming the first setting out of range.</summary>
    public void Validate()
    {
        if (!(Temperature >= 0) || double.IsInfinity(Temperature))
            throw new ArgumentException($"Temperature must be a finite number >= 0 (0 = greedy), got {Temperature}.");
        if (TopK < 0) throw new ArgumentException($"TopK must be >= 0 (0 = off), got {TopK}.");
        if (!(TopP > 0 && TopP <= 1)) throw new ArgumentException($"TopP must be in (0, 1] (1 = off), got {TopP}.");
        if (!(RepetitionPenalty > 0) || double.IsInfinity(RepetitionPenalty))
            throw new ArgumentException($"RepetitionPenalty must be a finite number > 0 (1 = off), got {RepetitionPenalty}.");
        if (RepetitionWindow < 0) throw new ArgumentException($"RepetitionWindow must be >= 0 (0 = whole history), got {RepetitionWindow}.");
        if (!Enum.IsDefined(RepetitionMode)) throw new ArgumentException($"Unknown repetition penalty mode {RepetitionMode}.");
    }
}
