namespace Media.Services.Image.MagicMix;

/// <summary>How the mixing constant ν moves across the layout phase.</summary>
public enum NuSchedule
{
    /// <summary>The paper's default: the same ν at every layout step.</summary>
    Constant,

    /// <summary>ν at k_max rising linearly to 1 at k_min, so the layout's pull fades into the content phase.</summary>
    Linear,
}

/// <summary>
/// MagicMix's knobs (Liew et al., arXiv 2210.16056): the layout phase runs from k_max to k_min (fractions of the denoising
/// schedule), mixing z ← ν·z + (1 − ν)·layout after each step; larger ν gives more content. Defaults are the paper's
/// (k_min 0.3, k_max 0.6, ν 0.5, 50 DDIM steps); guidance is scaled to our model (see <see cref="GuidanceScale"/>).
/// </summary>
public sealed record MagicMixOptions
{
    /// <summary>The paper's mixing constant: the weight of the content-denoised latent in each layout step, in [0, 1].</summary>
    public double Nu { get; init; } = 0.5;

    /// <summary>Where the layout phase ends and plain content denoising begins, as a fraction of the schedule.</summary>
    public double KMin { get; init; } = 0.3;

    /// <summary>The noise level the layout is taken to, as a fraction of the schedule (above <see cref="KMin"/>).</summary>
    public double KMax { get; init; } = 0.6;

    /// <summary>DDIM steps of the whole schedule (T in the paper).</summary>
    public int Steps { get; init; } = 50;

    /// <summary>
    /// Classifier-free guidance of the content prompt: 3, the image models' default here, rather than Stable Diffusion's 7.5,
    /// which was tuned for a far larger model (a large scale pushes a small model's latents off what the VAE decodes well).
    /// </summary>
    public double GuidanceScale { get; init; } = 3.0;

    /// <summary>How ν moves across the layout phase (the paper's is constant).</summary>
    public NuSchedule NuSchedule { get; init; } = NuSchedule.Constant;

    /// <summary>
    /// Cross-attention re-weighting of the content prompt's tokens (Prompt-to-Prompt's reweighting, which MagicMix uses to
    /// strengthen or weaken the content): 1 leaves attention alone, above 1 strengthens the content.
    /// </summary>
    public double ContentWeight { get; init; } = 1.0;

    /// <summary>Largest accepted <see cref="Steps"/>.</summary>
    public const int MaxSteps = 200;

    /// <summary>Largest accepted <see cref="GuidanceScale"/>.</summary>
    public const double MaxGuidance = 20;

    /// <summary>Largest accepted <see cref="ContentWeight"/>.</summary>
    public const double MaxContentWeight = 5;

    /// <summary>Layout-phase steps start at this DDIM index (the noisiest step run; count k_max of T, at least 1).</summary>
    public int KMaxSteps => Math.Clamp((int)Math.Round(KMax * Steps), 1, Steps);

    /// <summary>Steps of the content phase (k_min of T).</summary>
    public int KMinSteps => Math.Clamp((int)Math.Round(KMin * Steps), 0, KMaxSteps);

    /// <summary>ν at the layout step that lands on DDIM index <paramref name="level"/> (from <see cref="KMaxSteps"/> − 2 down to <see cref="KMinSteps"/> − 1).</summary>
    public double NuAt(int level)
    {
        if (NuSchedule == NuSchedule.Constant) return Nu;
        int first = KMaxSteps - 2, last = KMinSteps - 1;
        if (first <= last) return Nu;
        double progress = (double)(first - level) / (first - last);
        return Nu + (1 - Nu) * Math.Clamp(progress, 0, 1);
    }

    /// <summary>The name of the first invalid setting and why, or null when all are valid (the API's 400 names the field).</summary>
    public (string Field, string Message)? Problem()
    {
        if (!(Nu is >= 0 and <= 1)) return ("nu", "nu must lie in [0, 1].");
        if (!(KMin is >= 0 and < 1)) return ("k_min", "k_min must lie in [0, 1).");
        if (!(KMax is > 0 and <= 1)) return ("k_max", "k_max must lie in (0, 1].");
        if (!(KMin < KMax)) return ("k_min", "k_min must be below k_max.");
        if (Steps is < 2 or > MaxSteps) return ("steps", $"steps must lie in 2..{MaxSteps}.");
        if (!(GuidanceScale is >= 1 and <= MaxGuidance)) return ("guidance", $"guidance must lie in [1, {MaxGuidance}].");
        if (!(ContentWeight is >= 0 and <= MaxContentWeight)) return ("content_weight", $"content_weight must lie in [0, {MaxContentWeight}].");
        if (!Enum.IsDefined(NuSchedule)) return ("nu_schedule", "nu_schedule must be constant or linear.");
        return null;
    }

    /// <summary>Throws <see cref="ArgumentException"/> naming the first invalid setting.</summary>
    public void Validate()
    {
        if (Problem() is { } problem) throw new ArgumentException(problem.Message, problem.Field);
    }
}
