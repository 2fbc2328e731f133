using Media.Modeling.Diffusion;
using Media.Services.Image.Training.Perceptual;
using Media.Tokenizers.Image.DAr;
using TorchSharp;
using static TorchSharp.torch;

namespace Media.Services.Image.Training;

/// <summary>Weights of <see cref="DArTokenizerObjective"/>.</summary>
public sealed record DArTokenizerObjectiveOptions
{
    /// <summary>Weight of the pixel stand-in for LPIPS on the one-step estimate x̂1 (0: none).</summary>
    public double PerceptualWeight { get; init; } = 0.5;

    /// <summary>Weight of LPIPS's stand-in, the perceptual distance in the feature network's stages, on x̂1 (used when there is one; D-AR: 0.5).</summary>
    public double FeatureWeight { get; init; } = 0.5;

    /// <summary>Weight of REPA, 1 - cosine between the decoder's projection and the feature network's features of the image (used when there is one; D-AR: 0.5).</summary>
    public double RepaWeight { get; init; } = 0.5;

    /// <summary>Extra weight of foreground pixels in the flow and pixel losses (objects cover a few per cent of a scene).</summary>
    public double ObjectWeight { get; init; } = 4;

    /// <summary>Restart codes unused over this many steps (0: never).</summary>
    public int RestartEvery { get; init; } = 100;

    /// <summary>No restarts from this step on; null restarts to the end.</summary>
    public long? RestartUntil { get; init; }
}

/// <summary>
/// D-AR's tokenizer loss (<c>vq_loss.py</c>) on one batch: each image draws a time t ~ U(0, 1), which picks the token group
/// round(t G) (at most G - 1) whose condition tokens drive the decoder, and the shifted time t' = t / (t + s (1 - t)); with
/// x1 = 0.6 image and x0 noise, the decoder regresses the velocity x1 - x0 at x_t' (flow-matching loss / 0.6²), plus the VQ's
/// codebook, commitment and entropy terms. LPIPS (a VGG trained on ImageNet) and REPA (DINOv2 features) cannot be downloaded
/// here. Without a feature network the one-step term is the scene loss of the VQ tokenizer (foreground-weighted L1 + L2 +
/// image-gradient L1) on the one-step estimate x̂1 = x_t' + (1 - t') v, and REPA is left out. With one (<see cref="SceneFeatureNet"/>,
/// trained here on the procedural scenes) LPIPS becomes the <see cref="PerceptualDistance"/> in its stages on x̂1, and REPA aligns the
/// decoder's projection (<c>repa_out</c>) with its features of the clean image at the decoder's patch grid (the stage of that
/// resolution, or the next finer one average-pooled to it), as D-AR aligns it with DINOv2's patch features.
/// Foreground pixels weigh more in the flow loss too.
/// </summary>
public sealed class DArTokenizerObjective
{
    readonly DArTokenizer model;
    readonly DArTokenizerObjectiveOptions options;
    readonly SceneReconstructionLoss pixelLoss;
    readonly SceneFeatureNet? features;
    readonly PerceptualDistance? perceptual;
    readonly int repaStage = -1;
    long stepsSinceRestart;

    /// <summary>
    /// The objective for <paramref name="model"/>; with <paramref name="features"/> (frozen here) the LPIPS and REPA stand-ins
    /// above. REPA needs a model built with <see cref="DArTokenizerConfig.RepaDim"/> equal to the aligned stage's channels.
    /// </summary>
    public DArTokenizerObjective(DArTokenizer model, DArTokenizerObjectiveOptions? options = null, SceneFeatureNet? features = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        this.model = model;
        this.options = options ?? new DArTokenizerObjectiveOptions();
        if (this.options.PerceptualWeight < 0 || this.options.ObjectWeight < 0 || this.options.FeatureWeight < 0 || this.options.RepaWeight < 0)
            throw new ArgumentException("Loss weights must not be negative.");
        pixelLoss = new SceneReconstructionLoss(1.0, 1.0, 0.5, this.options.ObjectWeight);
        if (features is null) return;
        this.features = features;
        perceptual = new PerceptualDistance(features);
        if (this.options.RepaWeight > 0)
        {
            repaStage = RepaStage(model.Config);
            int channels = SceneFeatureNet.StageChannels[repaStage];
            if (model.Config.RepaDim != channels)
                throw new ArgumentException($"REPA aligns the decoder with the feature network's {channels}-channel stage at its {model.Config.DecoderGrid} x {model.Config.DecoderGrid} grid; "
                    + $"the tokenizer's repa_dim is {model.Config.RepaDim}.", nameof(model));
        }
    }

    /// <summary>The feature network's stage REPA aligns with: the coarsest one at least as fine as the decoder's patch grid.</summary>
    public static int RepaStage(DArTokenizerConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        int side = config.ImageSize, stage = 0;
        while (stage + 1 < SceneFeatureNet.StageChannels.Count && side / 2 >= config.DecoderGrid)
        {
            side /= 2;
            stage++;
        }
        return stage;
    }

    /// <summary>The REPA targets [B, grid², C] of images [B, 3, H, W]: the aligned stage's features, pooled to the decoder's grid, row-major.</summary>
    public Tensor RepaTargets(Tensor images)
    {
        ArgumentNullException.ThrowIfNull(images);
        if (features is null || repaStage < 0) throw new InvalidOperationException("This objective has no REPA (no feature network, or repa weight 0).");
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        return RepaTargets(features.Features(images)).MoveToOuterDisposeScope();
    }

    Tensor RepaTargets(IReadOnlyList<Tensor> imageFeatures)
    {
        using var scope = NewDisposeScope();
        var stage = imageFeatures[repaStage];
        int g = model.Config.DecoderGrid;
        if (stage.shape[2] != g) stage = nn.functional.adaptive_avg_pool2d(stage, [g, g]);
        return stage.flatten(2).transpose(1, 2).contiguous().MoveToOuterDisposeScope();
    }

    /// <summary>Codes moved by dead-code restarts so far.</summary>
    public long RestartedCodes { get; private set; }

    /// <summary>The scalar loss of a batch of images [B, 3, H, W] in [-1, 1] at <paramref name="step"/> (times drawn from <paramref name="generator"/>).</summary>
    public Tensor Loss(Tensor images, long step, Generator? generator = null)
    {
        ArgumentNullException.ThrowIfNull(images);
        using var scope = NewDisposeScope();
        var config = model.Config;
        long b = images.shape[0];
        var latents = model.EncodeLatents(images);
        if (model.training) MaybeRestart(latents, step, generator);
        var quantized = model.Quantizer.call(latents);
        var conditions = model.Conditions(quantized.Quantized);                                  // [B, Q, D]

        var t = rand(b, generator: generator).to(images.device);
        var group = DArTokenizer.GroupOfTime(t, config.Groups);                                 // [B]
        int per = config.TokensPerGroup;
        var index = (group.unsqueeze(1) * per + arange(per, ScalarType.Int64, images.device)).unsqueeze(2).expand(-1, -1, conditions.shape[2]);
        var groupConditions = conditions.gather(1, index);                                      // [B, per, D]

        var shifted = FlowMatching.Shift(t, config.TimeShift);
        var x0 = randn(images.shape, generator: generator).to(images.device);
        var x1 = images * config.DataStd;
        var xt = FlowMatching.Interpolate(x0, x1, shifted);
        bool repa = repaStage >= 0;
        Tensor velocity, projection = null!;
        if (repa) (velocity, projection) = model.VelocityAndRepa(xt, shifted, groupConditions);
        else velocity = model.Velocity(xt, shifted, groupConditions);
        var weights = pixelLoss.PixelWeights(images);                                           // [B, 1, H, W]
        var flow = ((velocity - FlowMatching.VelocityTarget(x0, x1)).square() * weights).mean() / weights.mean() / (config.DataStd * config.DataStd);
        var loss = flow + quantized.Loss;
        // The clean images' stage features, once for both terms that read them.
        bool featureLoss = perceptual is not null && options.FeatureWeight > 0;
        IReadOnlyList<Tensor>? clean = null;
        if (featureLoss || repa)
            using (no_grad()) clean = features!.Features(images);
        if (options.PerceptualWeight > 0 || featureLoss)
        {
            var estimate = FlowMatching.JumpToData(xt, velocity, shifted) / config.DataStd;
            if (options.PerceptualWeight > 0) loss = loss + options.PerceptualWeight * pixelLoss.Loss(images, estimate);
            if (featureLoss) loss = loss + options.FeatureWeight * perceptual!.Distance(clean!, estimate);
        }
        if (repa)
        {
            var alignment = nn.functional.cosine_similarity(projection, RepaTargets(clean!), dim: -1);
            loss = loss + options.RepaWeight * (1 - alignment).mean();
        }
        return loss.MoveToOuterDisposeScope();
    }

    void MaybeRestart(Tensor latents, long step, Generator? generator)
    {
        bool due = options.RestartEvery > 0 && step > 0 && step % options.RestartEvery == 0
            && (options.RestartUntil is not { } until || step < until) && stepsSinceRestart >= options.RestartEvery;
        if (due)
        {
            RestartedCodes += model.Quantizer.RestartDeadCodes(latents.detach(), generator);
            stepsSinceRestart = 0;
        }
        stepsSinceRestart++;
    }
}
