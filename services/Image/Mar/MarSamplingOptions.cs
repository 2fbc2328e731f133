namespace Media.Services.Image.Mar;

/// <summary>
/// How one MAR image is sampled: the caption, the seed, N AR iterations, the CFG scale reached by MAR's
/// linear schedule on the mask ratio, the head's temperature, and the head's step schedule (null:
/// MAR's fixed step count over all timesteps; a <see cref="DiffusionStepsSchedule"/>: DiSA).
/// </summary>
public sealed record MarSamplingOptions(string Prompt)
{
    /// <summary>Seed of the generation order and every noise draw.</summary>
    public long Seed { get; init; }

    /// <summary>AR iterations (MAR: 64 for 256 tokens; our 64-token scenes default to 16).</summary>
    public int Iterations { get; init; } = 16;

    /// <summary>The CFG scale (1: no unconditional branch).</summary>
    public double Cfg { get; init; } = 3.0;

    /// <summary>Temperature of the head's noise.</summary>
    public double Temperature { get; init; } = 1.0;

    /// <summary>DiSA's schedule; null samples every iteration with the model's fixed step count.</summary>
    public DiffusionStepsSchedule? DiffusionSteps { get; init; }

    /// <summary>Throws <see cref="ArgumentException"/> on values out of range.</summary>
    public void Validate(int sequenceLength)
    {
        ArgumentNullException.ThrowIfNull(Prompt);
        if (Iterations < 1 || Iterations > sequenceLength) throw new ArgumentException($"iterations must lie in 1..{sequenceLength}; got {Iterations}.");
        if (!(Cfg >= 1) || Cfg > 20) throw new ArgumentException($"The guidance scale must lie in [1, 20]; got {Cfg}.");
        if (!(Temperature > 0) || Temperature > 5) throw new ArgumentException($"temperature must lie in (0, 5]; got {Temperature}.");
        DiffusionSteps?.Validate();
    }
}
