using Media.Modeling.Diffusion;
using Media.Modeling.Tensors;
using Media.Modeling.Training;
using Media.Services.Audio.Speech.Ardit;
using TorchSharp;
using static TorchSharp.torch;

namespace Media.Services.Audio.Speech.Training;

/// <summary>
/// ARDiT's one-network-evaluation-per-block distillation (arXiv 2406.05551, after DMD): a one-step student generator
/// and an online "fake" score network, both started from the teacher voice, trained together against the frozen teacher.
/// Every block of every utterance is drawn in one pass, the block's context being the real clean latents before it (the
/// teacher-forced layout the voice was trained in), so the student learns each block's distribution given its context.
/// <list type="bullet">
/// <item>Student: x̂ = z + v_G(z, t = 0) per block, from noise z: exactly the voice's one-step Euler sampler, so the
/// student is served by the same cached synthesizer at <c>steps: 1</c>.</item>
/// <item>Integral-KL / distribution-matching gradient: x̂ is noised again at a random t per block, and the teacher's and
/// the fake network's clean estimates x_t + (1 - t) v are compared; the gradient on x̂ is (fake − teacher), normalised per
/// utterance by |x̂ − teacher estimate| (DMD's weighting), through the surrogate ½ ‖x̂ − sg(x̂ − g)‖².</item>
/// <item>Fake score: the flow-matching loss on the student's own (detached) blocks, so it tracks the student's
/// distribution as the student moves.</item>
/// </list>
/// The two losses share no gradient path (the teacher and fake are read without gradients for the student's term, the
/// student's blocks are detached for the fake's), so one optimizer over <see cref="ArditDistillationPair"/> updates both
/// from their sum, as DMD alternates them on the same samples.
/// </summary>
public sealed class ArditDistillation : IDisposable
{
    readonly ArditModel teacher;
    readonly ArditDistillationPair pair;
    readonly IReadOnlyList<ArditExample> heldOut;
    readonly double minTime;
    readonly double maxTime;

    /// <summary>
    /// Distils <paramref name="teacher"/> (frozen here) into <paramref name="pair"/>'s student at block size
    /// <paramref name="blockSize"/>; <paramref name="teacher"/>'s latent statistics are the pair's.
    /// </summary>
    public ArditDistillation(ArditModel teacher, ArditDistillationPair pair, IReadOnlyList<ArditExample> train, IReadOnlyList<ArditExample> heldOut,
        SpeechTrainingOptions options, int blockSize, double minTime = 0.02, double maxTime = 0.98)
    {
        ArgumentNullException.ThrowIfNull(teacher);
        ArgumentNullException.ThrowIfNull(pair);
        ArgumentNullException.ThrowIfNull(train);
        ArgumentNullException.ThrowIfNull(heldOut);
        ArgumentNullException.ThrowIfNull(options);
        if (!(minTime >= 0 && minTime < maxTime && maxTime <= 1)) throw new ArgumentOutOfRangeException(nameof(minTime), $"Need 0 <= min time < max time <= 1, got {minTime}, {maxTime}.");
        this.teacher = teacher;
        this.pair = pair;
        this.heldOut = heldOut;
        this.minTime = minTime;
        this.maxTime = maxTime;
        BlockSize = blockSize;
        teacher.eval();
        foreach (var p in teacher.parameters()) p.requires_grad = false;
        // The student and fake score read the characters' aligned frames from the data; their timing predictors stay the teacher's.
        foreach (var (name, p) in pair.named_parameters())
            if (name.Contains(".timing.", StringComparison.Ordinal)) p.requires_grad = false;
        int latentDim = teacher.Config.LatentDim;
        Trainer = new Trainer<ArditBatch>(pair, p => ArditTraining.Batch(train, p.CreateRandom(), options.BatchSize, [blockSize], latentDim, p.Device),
            b => Loss(b, generator: null).Total, options.ToTrainerOptions("frames"), b => b.FrameLengths.Sum())
        {
            Evaluate = _ => Validate(),
        };
    }

    /// <summary>The block size the student is distilled at (its only one).</summary>
    public int BlockSize { get; }

    /// <summary>The underlying trainer (run, resume, EMA of both networks).</summary>
    public Trainer<ArditBatch> Trainer { get; }

    /// <summary>The losses of one batch: the student's distribution-matching surrogate, the fake score's flow loss, their sum, and the mean squared DMD gradient.</summary>
    public sealed record Losses(Tensor Total, Tensor Student, Tensor Fake, Tensor Gap);

    /// <summary>The losses of <paramref name="batch"/> (model-space noise from <paramref name="generator"/>, or the global generator).</summary>
    public Losses Loss(ArditBatch batch, Generator? generator)
    {
        ArgumentNullException.ThrowIfNull(batch);
        using var scope = NewDisposeScope();
        var device = teacher.Device;
        var clean = teacher.Normalize(batch.Latents.to(device));
        long rows = clean.shape[0], n = clean.shape[1];
        var valid = arange(n, device: device).unsqueeze(0).lt(tensor(batch.FrameLengths, device: device).unsqueeze(1)).to(ScalarType.Float32).unsqueeze(-1);
        double count = Math.Max(batch.FrameLengths.Sum(), 1) * clean.shape[2];

        var drawn = Draw(pair.Student, batch, clean, randn(clean.shape, generator: generator).to(device));
        var times = BlockTimes(rows, n, generator, device);
        var noise = randn(clean.shape, generator: generator).to(device);
        var xt = FlowMatching.Interpolate(noise, drawn.detach(), times);
        Tensor gradient;
        using (no_grad())
        {
            var real = CleanEstimate(teacher, batch, clean, xt, times);
            var fake = CleanEstimate(pair.FakeScore, batch, clean, xt, times);
            // DMD's weighting: the gradient in units of how far the student's block is from the teacher's estimate of it.
            var weight = ((drawn.detach() - real).abs() * valid).sum([1, 2], keepdim: true) / (valid.sum([1, 2], keepdim: true) * clean.shape[2]).ClampMin(1.0);
            gradient = ((fake - real) / weight.ClampMin(1e-4)).nan_to_num() * valid;
        }
        var target = (drawn - gradient).detach();
        var student = 0.5 * ((drawn - target).square() * valid).sum() / count;

        // The fake score learns the student's distribution: flow matching on the student's blocks, fresh noise and times.
        var fakeTimes = BlockTimes(rows, n, generator, device, 0, 1);
        var fakeNoise = randn(clean.shape, generator: generator).to(device);
        var fakeXt = FlowMatching.Interpolate(fakeNoise, drawn.detach(), fakeTimes);
        var velocity = pair.FakeScore.Velocity(batch.Text, batch.TextLengths, clean, fakeXt, fakeTimes, batch.FrameLengths, BlockSize, batch.TextFrames);
        var fakeLoss = ((velocity - FlowMatching.VelocityTarget(fakeNoise, drawn.detach())).square() * valid).sum() / count;
        var gap = (gradient.square().sum() / count).detach();
        return new Losses((student + fakeLoss).MoveToOuterDisposeScope(), student.MoveToOuterDisposeScope(), fakeLoss.MoveToOuterDisposeScope(), gap.MoveToOuterDisposeScope());
    }

    /// <summary>
    /// Every block of the batch drawn in one step by <paramref name="model"/> (model space, [R, N, C]): from the noise
    /// <paramref name="z"/> at t = 0, x̂ = z + v(z, 0), each block seeing the <paramref name="clean"/> latents before it —
    /// the one-step Euler sampler in the training layout.
    /// </summary>
    public static Tensor Draw(ArditModel model, ArditBatch batch, Tensor clean, Tensor z)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(batch);
        ArgumentNullException.ThrowIfNull(clean);
        ArgumentNullException.ThrowIfNull(z);
        using var scope = NewDisposeScope();
        var zero = zeros(clean.shape[0], clean.shape[1], device: clean.device);
        var v = model.Velocity(batch.Text, batch.TextLengths, clean, z, zero, batch.FrameLengths, batch.BlockSize, batch.TextFrames);
        return (z + v).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Held-out figures with fixed noise: the fake score's flow loss on the student's blocks and the mean squared
    /// distribution-matching gradient (how far the fake's estimates are from the teacher's: it falls as the student's
    /// blocks come to look like the teacher's to the teacher).
    /// </summary>
    public IReadOnlyDictionary<string, double> Validate()
    {
        var results = new Dictionary<string, double>();
        if (heldOut.Count == 0) return results;
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        using var generator = new Generator(1234);
        var batch = ArditTraining.Pad([.. heldOut.Take(32)], BlockSize, teacher.Config.LatentDim, teacher.Device);
        var losses = Loss(batch, generator);
        results["val_fake_loss"] = losses.Fake.item<float>();
        results["val_dmd_gap"] = losses.Gap.item<float>();
        return results;
    }

    Tensor CleanEstimate(ArditModel model, ArditBatch batch, Tensor clean, Tensor xt, Tensor times) =>
        FlowMatching.JumpToData(xt, model.Velocity(batch.Text, batch.TextLengths, clean, xt, times, batch.FrameLengths, BlockSize, batch.TextFrames), times);

    /// <summary>One flow time per block of B frames, uniform in [lo, hi] (default: the distillation's range), laid out per frame [R, N].</summary>
    Tensor BlockTimes(long rows, long n, Generator? generator, Device device, double? lo = null, double? hi = null)
    {
        double a = lo ?? minTime, b = hi ?? maxTime;
        long blocks = (n + BlockSize - 1) / BlockSize;
        var t = (rand([rows, blocks], generator: generator) * (b - a) + a).to(device);
        return t.repeat_interleave(BlockSize, dim: 1).narrow(1, 0, n);
    }

    /// <summary>Frees the trainer.</summary>
    public void Dispose() => Trainer.Dispose();
}
