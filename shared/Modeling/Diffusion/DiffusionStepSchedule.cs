namespace Media.Modeling.Diffusion;

/// <summary>DiSA's step-count annealing: how many diffusion steps the k-th of N autoregressive steps uses.</summary>
public enum DiffusionStepAnnealing
{
    /// <summary>L + floor((N - 1 - k) / (N - 1) * (U - L)) (DiSA's default).</summary>
    Linear,

    /// <summary>L + floor((cos(pi k / (N - 1)) + 1) / 2 * (U - L)).</summary>
    Cosine,

    /// <summary>U for the first half of the AR steps (2k &lt; N), L after.</summary>
    TwoStage,

    /// <summary>L throughout.</summary>
    Constant,
}

/// <summary>
/// Diffusion Step Annealing (DiSA): later tokens of an autoregressive generation are better constrained, so
/// they get fewer diffusion steps, from <see cref="Upper"/> at the first AR step to <see cref="Lower"/> at
/// the last. MAR default: N = 64, U = 50, L = 5, linear.
/// </summary>
public sealed record DiffusionStepSchedule(DiffusionStepAnnealing Annealing, int Upper, int Lower)
{
    /// <summary>Diffusion steps for AR step <paramref name="step"/> of <paramref name="arSteps"/>.</summary>
    public int StepsAt(int step, int arSteps)
    {
        if (Upper < Lower || Lower <= 0)
            throw new ArgumentException($"DiSA needs 0 < lower <= upper; got lower {Lower}, upper {Upper}.");
        if (arSteps <= 0) throw new ArgumentOutOfRangeException(nameof(arSteps), arSteps, "There must be at least one AR step.");
        if (step < 0 || step >= arSteps) throw new ArgumentOutOfRangeException(nameof(step), step, $"The AR step must be in [0, {arSteps - 1}].");
        int range = Upper - Lower;
        return Annealing switch
        {
            DiffusionStepAnnealing.Linear => arSteps == 1 ? Upper : Lower + (int)Math.Floor((double)(arSteps - 1 - step) / (arSteps - 1) * range),
            DiffusionStepAnnealing.Cosine => arSteps == 1 ? Upper : Lower + (int)Math.Floor((Math.Cos(Math.PI * step / (arSteps - 1)) + 1) / 2 * range),
            DiffusionStepAnnealing.TwoStage => 2 * step < arSteps ? Upper : Lower,
            DiffusionStepAnnealing.Constant => Lower,
            _ => throw new ArgumentException($"Unknown DiSA annealing {Annealing}."),
        };
    }
}
