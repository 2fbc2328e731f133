using Media.Tokenizers.Image;
using TorchSharp;
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

    /// <summary>RGB distance from the background, in the [-1, 1] pixel scale, above which a pixel is foreground (32 of 255, as the scene evaluator).</summary>
    public const double ForegroundThreshold = SceneReconstructionLoss.ForegroundThreshold;

    /// <summary>Restart codes unused over the last this many steps; 0 never restarts.</summary>
    public int RestartEvery { get; init; } = 100;

    /// <summary>No restarts from this step on, so the last steps fine-tune a settled codebook; null restarts to the end.</summary>
    public long? RestartUntil { get; init; }

    /// <summary>Throws <see cref="ArgumentException"/> on negative weights or intervals.</summary>
    public void Validate()
    {
        if (L1Weight < 0 || L2Weight < 0 || GradientWeight < 0 || ObjectWeight < 0) throw new ArgumentException("Loss weights must not be negative.");
        if (L1Weight + L2Weight == 0) throw new ArgumentException("At least one of the L1 and L2 reconstruction weights must be positive.");
        if (RestartEvery < 0) throw new ArgumentException("RestartEvery must be 0 (never) or positive.");
    }
}

/// <summary>
/// LlamaGen's VQ training objective without the GAN and perceptual terms, which need a discriminator
/// and an ImageNet network this size does not warrant: reconstruction (L1 + L2, plus an L1 on image
/// gradients) + codebook loss + beta-weighted commitment loss. Every <see cref="VqObjectiveOptions.RestartEvery"/>
/// steps, codes unused since the last restart are moved onto encoder outputs of the current batch
/// (before its quantisation), so the whole codebook stays in use.
/// </summary>
public sealed class VqObjective
{
    readonly VqModel model;
    readonly VqObjectiveOptions options;
    readonly SceneReconstructionLoss reconstructionLoss;
    long stepsSinceRestart;

    /// <summary>The objective for <paramref name="model"/>.</summary>
    public VqObjective(VqModel model, VqObjectiveOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        options ??= new VqObjectiveOptions();
        options.Validate();
        this.model = model;
        this.options = options;
        reconstructionLoss = new SceneReconstructionLoss(options.L1Weight, options.L2Weight, options.GradientWeight, options.ObjectWeight);
    }

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
        return ReconstructionLoss(images, reconstruction).add(quantized.Loss).MoveToOuterDisposeScope();
    }

    /// <summary>The weighted reconstruction terms for images and reconstructions [B, C, H, W] (<see cref="SceneReconstructionLoss"/>).</summary>
    public Tensor ReconstructionLoss(Tensor images, Tensor reconstruction) => reconstructionLoss.Loss(images, reconstruction);

    /// <summary>Per-pixel weights [B, 1, H, W]: 1 + <see cref="VqObjectiveOptions.ObjectWeight"/> on foreground pixels, 1 elsewhere.</summary>
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
