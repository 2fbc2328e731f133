using Media.Modeling.Diffusion;
using TorchSharp;
using static TorchSharp.torch;

namespace Media.Services.Image.Mar;

/// <summary>
/// MAR's per-token diffusion loss and sampler (models/diffloss.py), module `diffloss` with the network
/// at `diffloss.net`: training draws one timestep per token from iDDPM's cosine schedule over 1000
/// steps and takes the epsilon MSE plus the variational-bound term of the learned-range variance;
/// sampling runs the ancestral sampler on a respaced process, noise scaled by the temperature, CFG on
/// epsilon. The processes are the shared <see cref="GaussianDiffusion"/>, respaced with
/// <see cref="TimestepRespacing"/>; respaced processes are cached per (steps, largest timestep). With a velocity
/// weight cap (our models; MAR has none) the epsilon MSE is weighted as the velocity's
/// (<see cref="GaussianDiffusion.VelocityLossWeights"/>); the output stays epsilon.
/// </summary>
public sealed class DiffLoss : nn.Module
{
    /// <summary>Timesteps of the training process.</summary>
    public const int TrainingTimesteps = 1000;

    readonly SimpleMlpAdaLn net;
    readonly GaussianDiffusion trainDiffusion = GaussianDiffusion.Create("cosine", TrainingTimesteps, DiffusionVariance.LearnedRange);
    readonly Dictionary<(int Steps, int? MaxTimestep), GaussianDiffusion> respaced = [];
    readonly double[]? mseWeights;

    /// <summary>
    /// A head for tokens of <paramref name="channels"/> conditioned on the decoder's <paramref name="zChannels"/>-wide
    /// outputs; <paramref name="velocityWeightCap"/> weights its training loss as the velocity's (null: MAR's epsilon loss).
    /// </summary>
    public DiffLoss(int channels, int zChannels, int width, int depth, double? velocityWeightCap = null) : base(nameof(DiffLoss))
    {
        net = new SimpleMlpAdaLn(channels, width, zChannels, depth);
        RegisterComponents();
        // Not a module buffer: the weights follow from the schedule and the cap, so checkpoints keep MAR's keys.
        if (velocityWeightCap is { } cap) mseWeights = trainDiffusion.VelocityLossWeights(cap);
    }

    /// <summary>The network.</summary>
    public SimpleMlpAdaLn Net => net;

    /// <summary>Channels of a token.</summary>
    public int Channels => net.Channels;

    /// <summary>
    /// The mean loss over the rows of <paramref name="target"/> [N, C] conditioned on <paramref name="z"/> [N, Z],
    /// weighted by <paramref name="mask"/> [N] (1 for tokens that count) when given.
    /// </summary>
    public Tensor Loss(Tensor target, Tensor z, Tensor? mask = null, Generator? generator = null)
    {
        ArgumentNullException.ThrowIfNull(target);
        ArgumentNullException.ThrowIfNull(z);
        using var scope = NewDisposeScope();
        long n = target.shape[0];
        var t = randint(0, TrainingTimesteps, [n], dtype: ScalarType.Int64, generator: generator).to(target.device);
        var noise = randn(target.shape, generator: generator).to(target.dtype).to(target.device);
        using var losses = trainDiffusion.TrainingLosses((x, steps) => net.call(x, steps, z), target, t, noise, mseWeights);
        var loss = mask is null ? losses.Loss.mean() : (losses.Loss * mask).sum() / mask.sum();
        return loss.MoveToOuterDisposeScope();
    }

    /// <summary>The process sampled with <paramref name="steps"/> respaced steps, covering timesteps up to <paramref name="maxTimestep"/> (all when null).</summary>
    public GaussianDiffusion Sampling(int steps, int? maxTimestep = null)
    {
        lock (respaced)
        {
            if (!respaced.TryGetValue((steps, maxTimestep), out var process))
                respaced[(steps, maxTimestep)] = process = trainDiffusion.Respace(steps.ToString(System.Globalization.CultureInfo.InvariantCulture), maxTimestep);
            return process;
        }
    }

    /// <summary>
    /// Samples tokens for conditions <paramref name="z"/> [N, Z] with <paramref name="steps"/> ancestral
    /// steps. With CFG the rows are [conditional; unconditional] halves of <paramref name="z"/> and
    /// <paramref name="cfg"/> [N/2] holds each conditional row's scale (MAR's forward_with_cfg, per row so
    /// requests at different AR steps share one batch); the result then has N/2 rows. Temperatures are
    /// per output row [N or N/2]. <paramref name="noise"/> draws standard normal noise [N or N/2, C] for x_T and
    /// for every step (callers pool each image's own generator). Returns the tokens and the head rows evaluated (rows x steps).
    /// </summary>
    public (Tensor Tokens, long HeadEvaluations) Sample(Tensor z, int steps, Tensor temperature, Tensor? cfg, int? maxTimestep, Func<Tensor> noise)
    {
        ArgumentNullException.ThrowIfNull(z);
        ArgumentNullException.ThrowIfNull(temperature);
        ArgumentNullException.ThrowIfNull(noise);
        using var scope = NewDisposeScope();
        var process = Sampling(steps, maxTimestep);
        long rows = z.shape[0], outRows = cfg is null ? rows : rows / 2;
        if (cfg is not null && (rows % 2 != 0 || cfg.shape[0] != outRows))
            throw new ArgumentException("CFG needs [conditional; unconditional] halves and one scale per conditional row.", nameof(cfg));
        var device = z.device;
        var temp = temperature.to(z.dtype).to(device).view(outRows, 1);
        var x = noise().to(z.dtype).to(device);
        for (int i = process.Steps - 1; i >= 0; i--)
        {
            using var inner = NewDisposeScope();
            var t = full(outRows, i, ScalarType.Int64, device: device);
            var mapped = process.MapTimesteps(t);
            Tensor output;
            if (cfg is null) output = net.call(x, mapped, z);
            else
            {
                var both = net.call(cat([x, x]), cat([mapped, mapped]), z);
                var eps = both.narrow(1, 0, Channels);
                var (cond, uncond) = (eps.narrow(0, 0, outRows), eps.narrow(0, outRows, outRows));
                var guided = uncond + cfg.to(z.dtype).to(device).view(outRows, 1) * (cond - uncond);
                output = cat([guided, both.narrow(0, 0, outRows).narrow(1, Channels, Channels)], 1);
            }
            var scaledNoise = noise().to(z.dtype).to(device) * temp;
            var next = process.PSample(output, x, t, scaledNoise).MoveToOuterDisposeScope();
            x = next;
        }
        return (x.MoveToOuterDisposeScope(), rows * process.Steps);
    }
}
