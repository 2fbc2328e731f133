using Media.Modeling.Diffusion;
using TorchSharp;
using static TorchSharp.torch;

namespace Media.Services.Image.MagicMix;

/// <summary>
/// MagicMix's sampling (Liew et al., arXiv 2210.16056, Algorithm 1) on a DDIM respacing of the shared
/// <see cref="GaussianDiffusion"/>. With T DDIM steps, k_max = round(k_max·T) and k_min = round(k_min·T):
/// <list type="number">
/// <item>The layout is brought to the noise level of step k_max: image-text mode noises the layout latent with q(x_t | x_0);
/// text-text mode denoises pure noise with the layout prompt from T down to k_max.</item>
/// <item>Layout phase, k_max → k_min: each DDIM step is conditioned on the content prompt and its result is mixed with the
/// layout at the level it lands on, z ← ν·z + (1 − ν)·x^layout. Image-text: x^layout = q(x_t | x_0) with one fixed noise
/// draw reused at every level; text-text: the layout branch keeps being denoised with the layout prompt.</item>
/// <item>Content phase, k_min → 0: plain DDIM with the content prompt.</item>
/// </list>
/// The paper mixes after each step (the diffusers community pipeline mixes before); this follows the paper.
/// </summary>
public sealed class MagicMixSampler
{
    readonly GaussianDiffusion process;

    /// <summary>A sampler over <paramref name="training"/> (the model's training process) respaced to <paramref name="options"/>' DDIM steps.</summary>
    public MagicMixSampler(GaussianDiffusion training, MagicMixOptions options)
    {
        ArgumentNullException.ThrowIfNull(training);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        Options = options;
        process = training.Respace($"ddim{options.Steps}");
        if (process.Steps != options.Steps)
            throw new ArgumentException($"{training.Steps} training steps cannot be respaced to {options.Steps} DDIM steps.", nameof(options));
    }

    /// <summary>The settings.</summary>
    public MagicMixOptions Options { get; }

    /// <summary>The respaced (DDIM) process; index i is the i-th least noisy step.</summary>
    public GaussianDiffusion Process => process;

    /// <summary>Steps a mix runs: k_max in image-text mode, all T in text-text mode.</summary>
    public int StepCount(bool textLayout) => textLayout ? Options.Steps : Options.KMaxSteps;

    /// <summary>
    /// Image-text mode: keeps the layout of <paramref name="layoutLatent"/> [B, C, H, W] (scaled VAE latents) and paints the
    /// content prompt into it. <paramref name="noise"/> is the one fixed noise draw reused at every level.
    /// </summary>
    public Tensor MixImage(MixDenoiser denoise, Tensor layoutLatent, Tensor noise, Action<MixStep>? onStep = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(denoise);
        ArgumentNullException.ThrowIfNull(layoutLatent);
        ArgumentNullException.ThrowIfNull(noise);
        if (!noise.shape.SequenceEqual(layoutLatent.shape))
            throw new ArgumentException("The noise must have the layout latent's shape.", nameof(noise));
        using var scope = NewDisposeScope();
        int start = Options.KMaxSteps - 1;
        var x = NoisedLayout(layoutLatent, noise, start);
        var result = Mix(denoise, x, level => NoisedLayout(layoutLatent, noise, level), 0, onStep, cancellationToken);
        return result.MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Text-text mode: the layout prompt is denoised from <paramref name="noise"/> (x_T) down to k_max, then mixed with the
    /// content prompt; the layout branch keeps following the layout prompt through the layout phase.
    /// </summary>
    public Tensor MixText(MixDenoiser denoise, Tensor noise, Action<MixStep>? onStep = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(denoise);
        ArgumentNullException.ThrowIfNull(noise);
        using var scope = NewDisposeScope();
        int total = Options.Steps, start = Options.KMaxSteps - 1, done = 0;
        var x = noise;
        for (int i = total - 1; i > start; i--)
        {
            cancellationToken.ThrowIfCancellationRequested();
            using var inner = NewDisposeScope();
            var (next, clean) = Step(denoise, x, i, MixPrompt.Layout);
            x = next.MoveToOuterDisposeScope();
            onStep?.Invoke(new MixStep(++done, total, MixPhase.LayoutGeneration, x, clean));
        }
        // The layout branch continues from the same x_{k_max} with the layout prompt, down to the last level the mixing reads.
        var layoutLevels = new Dictionary<int, Tensor>();
        var branch = x;
        for (int i = start; i >= Options.KMinSteps; i--)
        {
            cancellationToken.ThrowIfCancellationRequested();
            using var inner = NewDisposeScope();
            branch = Step(denoise, branch, i, MixPrompt.Layout).Next.MoveToOuterDisposeScope();
            layoutLevels[i - 1] = branch;
        }
        var result = Mix(denoise, x, level => layoutLevels[level], done, onStep, cancellationToken);
        return result.MoveToOuterDisposeScope();
    }

    /// <summary>Plain text-to-image with the content prompt from <paramref name="noise"/> (x_T): every step is the content phase.</summary>
    public Tensor Generate(MixDenoiser denoise, Tensor noise, Action<MixStep>? onStep = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(denoise);
        ArgumentNullException.ThrowIfNull(noise);
        using var scope = NewDisposeScope();
        var x = noise;
        for (int i = Options.Steps - 1; i >= 0; i--)
        {
            cancellationToken.ThrowIfCancellationRequested();
            using var inner = NewDisposeScope();
            var (next, clean) = Step(denoise, x, i, MixPrompt.Content);
            x = next.MoveToOuterDisposeScope();
            onStep?.Invoke(new MixStep(Options.Steps - i, Options.Steps, MixPhase.Content, x, clean));
        }
        return (ReferenceEquals(x, noise) ? noise.clone() : x).MoveToOuterDisposeScope();
    }

    /// <summary>The layout latent noised to DDIM index <paramref name="level"/> with the fixed noise (the clean latent at level −1).</summary>
    public Tensor NoisedLayout(Tensor layoutLatent, Tensor noise, int level)
    {
        ArgumentNullException.ThrowIfNull(layoutLatent);
        if (level < 0) return layoutLatent.clone();
        using var t = full(layoutLatent.shape[0], level, ScalarType.Int64, device: layoutLatent.device);
        return process.QSample(layoutLatent, t, noise);
    }

    /// <summary>The layout phase from x at index k_max − 1, then the content phase to a clean latent.</summary>
    Tensor Mix(MixDenoiser denoise, Tensor x, Func<int, Tensor> layoutAt, int done, Action<MixStep>? onStep, CancellationToken cancellationToken)
    {
        int total = done + Options.KMaxSteps, start = Options.KMaxSteps - 1, kMin = Options.KMinSteps;
        for (int i = start; i >= 0; i--)
        {
            cancellationToken.ThrowIfCancellationRequested();
            using var inner = NewDisposeScope();
            var (next, clean) = Step(denoise, x, i, MixPrompt.Content);
            bool layoutPhase = i >= kMin;
            if (layoutPhase)
            {
                double nu = Options.NuAt(i - 1);
                next = nu * next + (1 - nu) * layoutAt(i - 1);
            }
            x = next.MoveToOuterDisposeScope();
            onStep?.Invoke(new MixStep(++done, total, layoutPhase ? MixPhase.LayoutMixing : MixPhase.Content, x, clean));
        }
        return x;
    }

    /// <summary>One deterministic DDIM step (eta 0) at index <paramref name="index"/>, and the clean latent it predicts.</summary>
    (Tensor Next, Tensor Clean) Step(MixDenoiser denoise, Tensor x, int index, MixPrompt prompt)
    {
        var t = full(x.shape[0], index, ScalarType.Int64, device: x.device);
        var eps = denoise(x, process.MapTimesteps(t), prompt);
        // The clean estimate first: DdimStep disposes the model output it is given.
        var clean = process.PredictX0(x, t, eps);
        return (process.DdimStep(eps, x, t), clean);
    }
}
