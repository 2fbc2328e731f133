using Media.Modeling.Diffusion;
using Media.Tokenizers.Image.DAr;
using TorchSharp;
using static TorchSharp.torch;

namespace Media.Services.Image.Training;

/// <summary>Weights of <see cref="DArTokenizerObjective"/>.</summary>
public sealed record DArTokenizerObjectiveOptions
{
    /// <summary>Weight of the pixel stand-in for LPIPS on the one-step estimate x̂1 (0: none).</summary>
    public double PerceptualWeight { get; init; } = 0.5;

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
/// here: the perceptual term is the scene loss of the VQ tokenizer (foreground-weighted L1 + L2 + image-gradient L1) on the
/// one-step estimate x̂1 = x_t' + (1 - t') v, and REPA is left out. Foreground pixels weigh more in the flow loss too.
/// </summary>
public sealed class DArTokenizerObjective
{
    readonly DArTokenizer model;
    readonly DArTokenizerObjectiveOptions options;
    readonly SceneReconstructionLoss pixelLoss;
    long stepsSinceRestart;

    /// <summary>The objective for <paramref name="model"/>.</summary>
    public DArTokenizerObjective(DArTokenizer model, DArTokenizerObjectiveOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        this.model = model;
        this.options = options ?? new DArTokenizerObjectiveOptions();
        if (this.options.PerceptualWeight < 0 || this.options.ObjectWeight < 0) throw new ArgumentException("Loss weights must not be negative.");
        pixelLoss = new SceneReconstructionLoss(1.0, 1.0, 0.5, this.options.ObjectWeight);
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
        var velocity = model.Velocity(xt, shifted, groupConditions);
        var weights = pixelLoss.PixelWeights(images);                                           // [B, 1, H, W]
        var flow = ((velocity - FlowMatching.VelocityTarget(x0, x1)).square() * weights).mean() / weights.mean() / (config.DataStd * config.DataStd);
        var loss = flow + quantized.Loss;
        if (options.PerceptualWeight > 0)
        {
            var estimate = FlowMatching.JumpToData(xt, velocity, shifted) / config.DataStd;
            loss = loss + options.PerceptualWeight * pixelLoss.Loss(images, estimate);
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
