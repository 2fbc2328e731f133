using Media.Tokenizers.Image;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Media.Services.Image.Training;

/// <summary>Weights and restart settings of <see cref="VqObjective"/>.</summary>
public sealed record VqObjectiveOptions
{
    /// <summary>Weight of the mean absolute pixel error.</summary>
    public double L1Weight { get; init; } = 1.0;

    /// <summary>Weight of the mean squared pixel error (LlamaGen's reconstruction loss).</summary>
    public double L2Weight { get; init; } = 1.0;

    /// <summary>Weight of the mean absolute error of horizontal and vertical pixel differences: sharpens edges, which dominate the error of flat-coloured scenes.</summary>
    public double GradientWeight { get; init; } = 0.5;

    /// <summary>
    /// Extra weight of foreground pixels in the L1 and L2 terms: a pixel whose RGB distance from the
    /// image's background (the per-channel median of its border) exceeds <see cref="ForegroundThreshold"/>
    /// weighs 1 + this. Objects cover a few per cent of a scene, so without it the codes collapse onto
    /// background patches. 0 weighs all pixels alike.
    /// </summary>
    public double ObjectWeight { get; init; }

    /// <summary>Pixels within this distance of the foreground weigh as foreground (<see cref="SceneReconstructionLoss.ObjectMargin"/>); 0: only the foreground.</summary>
    public int ObjectMargin { get; init; }

    /// <summary>RGB distance from the background, in the [-1, 1] pixel scale, above which a pixel is foreground (32 of 255, as the scene evaluator).</summary>
    public const double ForegroundThreshold = SceneReconstructionLoss.ForegroundThreshold;

    /// <summary>Restart codes unused over the last this many steps; 0 never restarts.</summary>
    public int RestartEvery { get; init; } = 100;

    /// <summary>No restarts from this step on, so the last steps fine-tune a settled codebook; null restarts to the end.</summary>
    public long? RestartUntil { get; init; }

    /// <summary>Weight of the perceptual distance (<see cref="Perceptual.PerceptualDistance"/>); used when the objective has a feature network.</summary>
    public double PerceptualWeight { get; init; } = 1.0;

    /// <summary>Weight of the generator's adversarial term on top of the adaptive weight (VQGAN's and LlamaGen's <c>disc_weight</c>).</summary>
    public double DiscriminatorWeight { get; init; } = 0.5;

    /// <summary>The step from which the discriminator trains and the adversarial term counts (VQGAN's <c>disc_start</c>).</summary>
    public long DiscriminatorStart { get; init; }

    /// <summary>Throws <see cref="ArgumentException"/> on negative weights or intervals.</summary>
    public void Validate()
    {
        if (L1Weight < 0 || L2Weight < 0 || GradientWeight < 0 || ObjectWeight < 0 || ObjectMargin < 0 || PerceptualWeight < 0 || DiscriminatorWeight < 0)
            throw new ArgumentException("Loss weights must not be negative.");
        if (DiscriminatorStart < 0) throw new ArgumentException("DiscriminatorStart must not be negative.");
        if (L1Weight + L2Weight == 0) throw new ArgumentException("At least one of the L1 and L2 reconstruction weights must be positive.");
        if (RestartEvery < 0) throw new ArgumentException("RestartEvery must be 0 (never) or positive.");
    }
}

/// <summary>
/// LlamaGen's VQ training objective: reconstruction (L1 + L2, plus an L1 on image gradients) + codebook loss +
/// beta-weighted commitment loss, and, when given, the two terms VQGAN adds:
/// <list type="bullet">
/// <item>a perceptual distance under a feature network trained here (<see cref="Perceptual.PerceptualDistance"/>, the
/// stand-in for LPIPS's ImageNet VGG);</item>
/// <item>a PatchGAN discriminator with hinge loss from <see cref="VqObjectiveOptions.DiscriminatorStart"/> on; the
/// generator's term -mean D(x̂) is weighted adaptively, ‖∇nll‖ / (‖∇g‖ + 1e-4) at the decoder's last layer, clamped to
/// [0, 1e4], times <see cref="VqObjectiveOptions.DiscriminatorWeight"/>.</item>
/// </list>
/// Generator and discriminator share one backward: the generator's term runs through the discriminator with its
/// parameters frozen, and the discriminator's hinge loss sees the reconstruction detached, so each side gets only its
/// own gradients. Every <see cref="VqObjectiveOptions.RestartEvery"/> steps, codes unused since the last restart are
/// moved onto encoder outputs of the current batch (before its quantisation), so the whole codebook stays in use.
/// </summary>
public sealed class VqObjective
{
    readonly VqModel model;
    readonly VqObjectiveOptions options;
    readonly SceneReconstructionLoss reconstructionLoss;
    readonly Perceptual.PerceptualDistance? perceptual;
    readonly Adversarial.PatchDiscriminator? discriminator;
    readonly Parameter lastLayer;
    long stepsSinceRestart;

    /// <summary>The objective for <paramref name="model"/>, with VQGAN's perceptual and adversarial terms when their networks are given.</summary>
    public VqObjective(VqModel model, VqObjectiveOptions? options = null, Perceptual.PerceptualDistance? perceptual = null,
        Adversarial.PatchDiscriminator? discriminator = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        options ??= new VqObjectiveOptions();
        options.Validate();
        this.model = model;
        this.options = options;
        this.perceptual = perceptual;
        this.discriminator = discriminator;
        reconstructionLoss = new SceneReconstructionLoss(options.L1Weight, options.L2Weight, options.GradientWeight, options.ObjectWeight, options.ObjectMargin);
        lastLayer = model.named_parameters().Single(p => p.name == LastLayerKey).parameter;
    }

    /// <summary>The decoder's last layer, where the adaptive weight compares the two gradients (as VQGAN does).</summary>
    public const string LastLayerKey = "decoder.conv_out.weight";

    /// <summary>The last generator term -mean D(x̂) and discriminator hinge loss, or null before the discriminator starts.</summary>
    public (double Generator, double Discriminator)? LastAdversarialLosses { get; private set; }

    /// <summary>Codes moved by restarts so far (by this instance).</summary>
    public long RestartedCodes { get; private set; }

    /// <summary>Restarts done so far (by this instance).</summary>
    public int Restarts { get; private set; }

    /// <summary>The scalar loss of a micro-batch; may restart dead codes first (first micro-batch of a due step).</summary>
    public Tensor Loss(VqTrainingBatch batch)
    {
        ArgumentNullException.ThrowIfNull(batch);
        using var scope = NewDisposeScope();
        var images = batch.Images;
        var latents = model.EncodeLatents(images);
        if (batch.Position.MicroBatch == 0 && model.training) MaybeRestart(batch, latents);
        var quantized = model.Quantizer.call(latents);
        var reconstruction = model.DecodeLatents(quantized.Quantized);
        var nll = ReconstructionLoss(images, reconstruction);
        if (perceptual is not null && options.PerceptualWeight > 0)
            nll = nll + options.PerceptualWeight * perceptual.Distance(images, reconstruction);
        var loss = nll + quantized.Loss;
        if (discriminator is not null && model.training && batch.Position.Step >= options.DiscriminatorStart)
            loss = loss + AdversarialLoss(images, reconstruction, nll);
        return loss.MoveToOuterDisposeScope();
    }

    // The generator's adaptively weighted term plus the discriminator's hinge loss.
    Tensor AdversarialLoss(Tensor images, Tensor reconstruction, Tensor nll)
    {
        var d = discriminator!;
        Tensor generator;
        var parameters = d.parameters().ToList();
        foreach (var p in parameters) p.requires_grad = false;
        try
        {
            generator = -d.call(reconstruction).mean();
        }
        finally
        {
            foreach (var p in parameters) p.requires_grad = true;
        }
        double weight = AdaptiveWeight(nll, generator);
        var hinge = nn.functional.relu(1.0 - d.call(images)).mean() + nn.functional.relu(1.0 + d.call(reconstruction.detach())).mean();
        LastAdversarialLosses = (generator.item<float>(), hinge.item<float>());
        return options.DiscriminatorWeight * weight * generator + hinge;
    }

    /// <summary>‖∇nll‖ / (‖∇g‖ + 1e-4) at the decoder's last layer, clamped to [0, 1e4] (VQGAN's <c>calculate_adaptive_weight</c>).</summary>
    public double AdaptiveWeight(Tensor nll, Tensor generatorLoss)
    {
        ArgumentNullException.ThrowIfNull(nll);
        ArgumentNullException.ThrowIfNull(generatorLoss);
        using var scope = NewDisposeScope();
        var nllGrad = torch.autograd.grad([nll], [lastLayer], retain_graph: true)[0];
        var gGrad = torch.autograd.grad([generatorLoss], [lastLayer], retain_graph: true)[0];
        return Math.Clamp(nllGrad.norm().item<float>() / (gGrad.norm().item<float>() + 1e-4), 0, 1e4);
    }

    /// <summary>The weighted reconstruction terms for images and reconstructions [B, C, H, W] (<see cref="SceneReconstructionLoss"/>).</summary>
    public Tensor ReconstructionLoss(Tensor images, Tensor reconstruction) => reconstructionLoss.Loss(images, reconstruction);

    /// <summary>Per-pixel weights [B, 1, H, W]: 1 + <see cref="VqObjectiveOptions.ObjectWeight"/> on foreground pixels (and within <see cref="VqObjectiveOptions.ObjectMargin"/> of them), 1 elsewhere.</summary>
    public Tensor PixelWeights(Tensor images) => reconstructionLoss.PixelWeights(images);

    void MaybeRestart(VqTrainingBatch batch, Tensor latents)
    {
        long step = batch.Position.Step;
        bool due = options.RestartEvery > 0 && step > 0 && step % options.RestartEvery == 0
            && (options.RestartUntil is not { } until || step < until)
            // After a resume the usage counts start empty; wait until they cover a whole interval.
            && stepsSinceRestart >= options.RestartEvery;
        if (due)
        {
            using var generator = batch.Position.CreateGenerator();
            RestartedCodes += model.Quantizer.RestartDeadCodes(latents.detach(), generator);
            Restarts++;
            stepsSinceRestart = 0;
        }
        stepsSinceRestart++;
    }
}
