using Media.Modeling.Diffusion;

namespace Media.Services.Audio.Speech.Generation;

/// <summary>How each block's flow ODE is integrated, and the seed of the noise.</summary>
public sealed record ArditSamplingOptions
{
    /// <summary>Model evaluations per block.</summary>
    public int Steps { get; init; } = 8;

    /// <summary>Euler or two-step Adams-Bashforth.</summary>
    public FlowSolver Solver { get; init; } = FlowSolver.Euler;

    /// <summary>Time shift of the schedule (&gt; 1 spends more steps near the noise end).</summary>
    public double TimeShift { get; init; } = 1.0;

    /// <summary>Latent frames per autoregressive step; null uses the model's configured B.</summary>
    public int? BlockSize { get; init; }

    /// <summary>Seed of the per-block noise: the same seed gives the same speech.</summary>
    public long Seed { get; init; }

    /// <summary>Throws an <see cref="ArgumentException"/> for a value out of range.</summary>
    public void Validate()
    {
        if (Steps is < 1 or > 1000) throw new ArgumentOutOfRangeException(nameof(Steps), Steps, "Steps must be 1..1000.");
        if (BlockSize is < 1) throw new ArgumentOutOfRangeException(nameof(BlockSize), BlockSize, "The block size must be positive.");
        if (!(TimeShift > 0) || double.IsInfinity(TimeShift)) throw new ArgumentOutOfRangeException(nameof(TimeShift), TimeShift, "The time shift must be a finite number > 0.");
    }
}
