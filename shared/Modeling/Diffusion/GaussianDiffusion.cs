using TorchSharp;
using static TorchSharp.torch;
using Media.Modeling.Tensors;

namespace Media.Modeling.Diffusion;

/// <summary>
/// A Gaussian diffusion process with epsilon prediction (DDPM / iDDPM, as MAR's diffusion head and
/// MagicMix use it): q_sample, the posterior, the reverse step with fixed or learned-range variance, the
/// ancestral (p_sample) and DDIM loops, and the training terms. Schedules live in double precision; a
/// respaced process (<see cref="Respace"/>) keeps a subset of the steps and passes the original
/// timesteps to the model, as iDDPM's SpacedDiffusion does. Tensors are [B, C, ...]; timesteps
/// <c>t</c> are long [B] indices into this process.
/// </summary>
public sealed class GaussianDiffusion
{
    readonly double[] betas, alphasCumprod, alphasCumprodPrev, posteriorVariance, posteriorLogVarianceClipped,
        posteriorMeanCoef1, posteriorMeanCoef2, logBetas, fixedLargeLogVariance;
    readonly int[] timestepMap;

    /// <summary>Builds the process from its betas; <paramref name="timestepMap"/> gives each step's original timestep (identity when null).</summary>
    public GaussianDiffusion(IReadOnlyList<double> betas, DiffusionVariance variance, IReadOnlyList<int>? timestepMap = null)
    {
        ArgumentNullException.ThrowIfNull(betas);
        if (betas.Count == 0) throw new ArgumentException("A diffusion process needs at least one beta.", nameof(betas));
        if (betas.Any(b => !(b > 0 && b <= 1)))
            throw new ArgumentException("Every beta must be in (0, 1].", nameof(betas));
        if (!Enum.IsDefined(variance)) throw new ArgumentException($"Unknown variance type {variance}.", nameof(variance));
        if (timestepMap is not null && timestepMap.Count != betas.Count)
            throw new ArgumentException($"The timestep map has {timestepMap.Count} entries for {betas.Count} steps.", nameof(timestepMap));

        Variance = variance;
        this.betas = [.. betas];
        timestepMap = timestepMap is null ? Enumerable.Range(0, betas.Count).ToArray() : [.. timestepMap];
        this.timestepMap = [.. timestepMap];
        int n = this.betas.Length;

        alphasCumprod = new double[n];
        double product = 1;
        for (int i = 0; i < n; i++) alphasCumprod[i] = product *= 1 - this.betas[i];
        alphasCumprodPrev = [1.0, .. alphasCumprod[..^1]];
        posteriorVariance = [.. Enumerable.Range(0, n).Select(i => this.betas[i] * (1 - alphasCumprodPrev[i]) / (1 - alphasCumprod[i]))];
        // beta-tilde_0 is 0; iDDPM clips its log with beta-tilde_1.
        double first = n > 1 ? posteriorVariance[1] : this.betas[0];
        posteriorLogVarianceClipped = [Math.Log(first), .. posteriorVariance[1..].Select(v => Math.Log(v))];
        posteriorMeanCoef1 = [.. Enumerable.Range(0, n).Select(i => this.betas[i] * Math.Sqrt(alphasCumprodPrev[i]) / (1 - alphasCumprod[i]))];
        posteriorMeanCoef2 = [.. Enumerable.Range(0, n).Select(i => (1 - alphasCumprodPrev[i]) * Math.Sqrt(1 - this.betas[i]) / (1 - alphasCumprod[i]))];
        logBetas = [.. this.betas.Select(v => Math.Log(v))];
        fixedLargeLogVariance = [Math.Log(first), .. logBetas[1..]];
    }

    /// <summary>A process on iDDPM's "linear" or "cosine" schedule with <paramref name="timesteps"/> steps.</summary>
    public static GaussianDiffusion Create(string schedule, int timesteps, DiffusionVariance variance) =>
        new(BetaSchedules.Named(schedule, timesteps), variance);

    /// <summary>How the reverse step's variance is chosen.</summary>
    public DiffusionVariance Variance { get; }

    /// <summary>Number of steps of this (possibly respaced) process.</summary>
    public int Steps => betas.Length;

    /// <summary>The betas of this process (recomputed ones when respaced).</summary>
    public IReadOnlyList<double> Betas => betas;

    /// <summary>abar_t, the product of (1 - beta) up to and including step t.</summary>
    public IReadOnlyList<double> AlphasCumprod => alphasCumprod;

    /// <summary>abar_{t-1}, with 1 before the first step.</summary>
    public IReadOnlyList<double> AlphasCumprodPrev => alphasCumprodPrev;

    /// <summary>beta-tilde_t = beta_t (1 - abar_{t-1}) / (1 - abar_t), the posterior variance.</summary>
    public IReadOnlyList<double> PosteriorVariance => posteriorVariance;

    /// <summary>log beta-tilde_t with step 0 clipped to beta-tilde_1 (beta-tilde_0 is 0).</summary>
    public IReadOnlyList<double> PosteriorLogVarianceClipped => posteriorLogVarianceClipped;

    /// <summary>The original timestep of each step, passed to the model.</summary>
    public IReadOnlyList<int> TimestepMap => timestepMap;

    /// <summary>
    /// Per-step weights that turn the epsilon MSE into the MSE of the velocity v = sqrt(abar) eps - sqrt(1 - abar) x0
    /// (Salimans and Ho 2022): an x0 error d costs SNR d^2 in epsilon and d^2 / (1 - abar) in v, a factor
    /// 1 + 1/SNR = 1 / abar, capped at <paramref name="cap"/> because it grows without bound as abar goes to 0.
    /// The epsilon loss gives the high-noise steps, where only the condition tells x0, almost no weight.
    /// </summary>
    public double[] VelocityLossWeights(double cap)
    {
        if (!(cap >= 1)) throw new ArgumentOutOfRangeException(nameof(cap), cap, "The cap must be at least 1 (1 is the epsilon loss).");
        return [.. alphasCumprod.Select(a => Math.Min(1 / a, cap))];
    }

    /// <summary>
    /// A process keeping only <paramref name="keep"/> (original step indices, ascending) of this one, with
    /// betas recomputed so abar at each kept step is unchanged: beta'_j = 1 - abar_{k_j} / abar_{k_{j-1}}.
    /// </summary>
    public GaussianDiffusion Respace(IReadOnlyCollection<int> keep)
    {
        ArgumentNullException.ThrowIfNull(keep);
        int[] kept = [.. keep.Distinct().Order()];
        if (kept.Length == 0) throw new ArgumentException("Respacing needs at least one kept timestep.", nameof(keep));
        if (kept[0] < 0 || kept[^1] >= Steps) throw new ArgumentException($"Kept timesteps must be in [0, {Steps - 1}].", nameof(keep));
        var newBetas = new double[kept.Length];
        double last = 1;
        for (int j = 0; j < kept.Length; j++)
        {
            newBetas[j] = 1 - alphasCumprod[kept[j]] / last;
            last = alphasCumprod[kept[j]];
        }
        return new GaussianDiffusion(newBetas, Variance, [.. kept.Select(k => timestepMap[k])]);
    }

    /// <summary>Respaces with iDDPM's section syntax ("100", "ddim50", "10,15,20"); see <see cref="TimestepRespacing.Space"/>.</summary>
    public GaussianDiffusion Respace(string sectionCounts, int? maxTimestep = null) =>
        Respace(TimestepRespacing.Space(Steps, sectionCounts, maxTimestep));

    /// <summary>x_t = sqrt(abar_t) x_0 + sqrt(1 - abar_t) noise.</summary>
    public Tensor QSample(Tensor x0, Tensor t, Tensor noise)
    {
        ArgumentNullException.ThrowIfNull(x0);
        ArgumentNullException.ThrowIfNull(noise);
        CheckTimesteps(t, x0);
        using var scope = NewDisposeScope();
        var xt = Extract(alphasCumprod, t, x0, Math.Sqrt) * x0 + Extract(alphasCumprod, t, x0, a => Math.Sqrt(1 - a)) * noise;
        return xt.MoveToOuterDisposeScope();
    }

    /// <summary>The true posterior q(x_{t-1} | x_t, x_0): mean, variance and clipped log variance.</summary>
    public (Tensor Mean, Tensor Variance, Tensor LogVarianceClipped) QPosterior(Tensor x0, Tensor xt, Tensor t)
    {
        ArgumentNullException.ThrowIfNull(x0);
        ArgumentNullException.ThrowIfNull(xt);
        CheckTimesteps(t, xt);
        using var scope = NewDisposeScope();
        var mean = Extract(posteriorMeanCoef1, t, xt) * x0 + Extract(posteriorMeanCoef2, t, xt) * xt;
        var variance = Extract(posteriorVariance, t, xt).expand_as(xt).clone();
        var logVariance = Extract(posteriorLogVarianceClipped, t, xt).expand_as(xt).clone();
        return (mean.MoveToOuterDisposeScope(), variance.MoveToOuterDisposeScope(), logVariance.MoveToOuterDisposeScope());
    }

    /// <summary>
    /// The reverse step's distribution from a model output (epsilon, or epsilon and v along dim 1 for
    /// <see cref="DiffusionVariance.LearnedRange"/>); <paramref name="clipDenoised"/> clamps x_0 to [-1, 1].
    /// </summary>
    public DiffusionPrediction PMeanVariance(Tensor modelOutput, Tensor xt, Tensor t, bool clipDenoised = false)
    {
        ArgumentNullException.ThrowIfNull(modelOutput);
        ArgumentNullException.ThrowIfNull(xt);
        CheckTimesteps(t, xt);
        using var scope = NewDisposeScope();
        var (eps, logVariance) = SplitOutput(modelOutput, xt, t);
        var x0 = PredictX0(xt, t, eps);
        if (clipDenoised)
        {
            x0 = x0.Clamp(-1, 1);
            eps = PredictEpsilon(xt, t, x0);
        }
        var mean = Extract(posteriorMeanCoef1, t, xt) * x0 + Extract(posteriorMeanCoef2, t, xt) * xt;
        return new DiffusionPrediction(mean.MoveToOuterDisposeScope(), logVariance.MoveToOuterDisposeScope(),
            x0.MoveToOuterDisposeScope(), eps.MoveToOuterDisposeScope());
    }

    /// <summary>x_0 = sqrt(1/abar_t) x_t - sqrt(1/abar_t - 1) eps.</summary>
    public Tensor PredictX0(Tensor xt, Tensor t, Tensor epsilon)
    {
        ArgumentNullException.ThrowIfNull(xt);
        ArgumentNullException.ThrowIfNull(epsilon);
        using var scope = NewDisposeScope();
        var x0 = Extract(alphasCumprod, t, xt, a => Math.Sqrt(1 / a)) * xt - Extract(alphasCumprod, t, xt, a => Math.Sqrt(1 / a - 1)) * epsilon;
        return x0.MoveToOuterDisposeScope();
    }

    /// <summary>eps = (sqrt(1/abar_t) x_t - x_0) / sqrt(1/abar_t - 1).</summary>
    public Tensor PredictEpsilon(Tensor xt, Tensor t, Tensor x0)
    {
        ArgumentNullException.ThrowIfNull(xt);
        ArgumentNullException.ThrowIfNull(x0);
        using var scope = NewDisposeScope();
        var eps = (Extract(alphasCumprod, t, xt, a => Math.Sqrt(1 / a)) * xt - x0) / Extract(alphasCumprod, t, xt, a => Math.Sqrt(1 / a - 1));
        return eps.MoveToOuterDisposeScope();
    }

    /// <summary>
    /// One ancestral step: mean + sigma * noise * temperature (no noise at t = 0). MAR scales the noise by its
    /// sampling temperature.
    /// </summary>
    public Tensor PSample(Tensor modelOutput, Tensor xt, Tensor t, Tensor noise, double temperature = 1.0, bool clipDenoised = false)
    {
        ArgumentNullException.ThrowIfNull(noise);
        using var scope = NewDisposeScope();
        using var prediction = PMeanVariance(modelOutput, xt, t, clipDenoised);
        var sigma = (0.5 * prediction.LogVariance).exp();
        var sample = prediction.Mean + NonZero(t, xt) * sigma * noise * temperature;
        return sample.MoveToOuterDisposeScope();
    }

    /// <summary>
    /// One DDIM step (Song et al.; iDDPM's ddim_sample): x_{t-1} = sqrt(abar_{t-1}) x_0 +
    /// sqrt(1 - abar_{t-1} - sigma^2) eps + sigma noise, sigma = eta sqrt((1 - abar_{t-1}) / (1 - abar_t)) sqrt(1 - abar_t / abar_{t-1}).
    /// eta = 0 is deterministic and <paramref name="noise"/> may be null.
    /// </summary>
    public Tensor DdimStep(Tensor modelOutput, Tensor xt, Tensor t, double eta = 0.0, Tensor? noise = null, bool clipDenoised = false)
    {
        if (eta < 0) throw new ArgumentOutOfRangeException(nameof(eta), eta, "DDIM's eta must be >= 0.");
        if (eta > 0 && noise is null) throw new ArgumentException("A stochastic DDIM step (eta > 0) needs noise.", nameof(noise));
        using var scope = NewDisposeScope();
        using var prediction = PMeanVariance(modelOutput, xt, t, clipDenoised);
        var abar = Extract(alphasCumprod, t, xt);
        var abarPrev = Extract(alphasCumprodPrev, t, xt);
        var sigma = eta * ((1 - abarPrev) / (1 - abar)).sqrt() * (1 - abar / abarPrev).sqrt();
        var sample = prediction.PredictedX0 * abarPrev.sqrt() + (1 - abarPrev - sigma.square()).sqrt() * prediction.Epsilon;
        if (eta > 0) sample = sample + NonZero(t, xt) * sigma * noise!;
        return sample.MoveToOuterDisposeScope();
    }

    /// <summary>
    /// The ancestral sampler from <paramref name="noise"/> (x_T) down to x_0, one model call per step, fresh
    /// noise from <paramref name="generator"/> scaled by <paramref name="temperature"/>.
    /// </summary>
    public Tensor PSampleLoop(DenoiseModel model, Tensor noise, Generator? generator = null, double temperature = 1.0, bool clipDenoised = false)
    {
        ArgumentNullException.ThrowIfNull(model);
        return Loop(noise, (x, t) =>
        {
            var output = model(x, MapTimesteps(t));
            var z = SeededRandom.Normal(x.shape, x.dtype, x.device, generator);
            return PSample(output, x, t, z, temperature, clipDenoised);
        });
    }

    /// <summary>The DDIM sampler (eta = 0: deterministic) from <paramref name="noise"/> down to x_0.</summary>
    public Tensor DdimSampleLoop(DenoiseModel model, Tensor noise, double eta = 0.0, Generator? generator = null, bool clipDenoised = false)
    {
        ArgumentNullException.ThrowIfNull(model);
        return Loop(noise, (x, t) =>
        {
            var output = model(x, MapTimesteps(t));
            var z = eta > 0 ? SeededRandom.Normal(x.shape, x.dtype, x.device, generator) : null;
            return DdimStep(output, x, t, eta, z, clipDenoised);
        });
    }

    /// <summary>
    /// iDDPM's training terms at timesteps <paramref name="t"/> with <paramref name="noise"/>: the epsilon MSE
    /// and, for a learned variance, the variational bound term (KL to the posterior in bits, the decoder NLL
    /// at t = 0) computed with the mean detached so it trains only the variance. Loss = MSE + VB, the MSE weighted per
    /// step by <paramref name="mseWeights"/> when given (<see cref="VelocityLossWeights"/>); <c>Mse</c> stays unweighted.
    /// </summary>
    public DiffusionLosses TrainingLosses(DenoiseModel model, Tensor x0, Tensor t, Tensor noise, IReadOnlyList<double>? mseWeights = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(x0);
        ArgumentNullException.ThrowIfNull(noise);
        CheckTimesteps(t, x0);
        if (mseWeights is not null && mseWeights.Count != Steps)
            throw new ArgumentException($"{mseWeights.Count} MSE weights for a process of {Steps} steps.", nameof(mseWeights));
        using var scope = NewDisposeScope();
        var xt = QSample(x0, t, noise);
        var output = model(xt, MapTimesteps(t));
        long channels = x0.shape[1];
        var eps = output.narrow(1, 0, channels);
        var mse = MeanFlat((noise - eps).square());
        var weighted = mseWeights is null ? mse : Extract([.. mseWeights], t, mse) * mse;
        if (Variance != DiffusionVariance.LearnedRange)
            return new DiffusionLosses(mse.MoveToOuterDisposeScope(), null, weighted.clone().MoveToOuterDisposeScope());

        var frozen = cat([eps.detach(), output.narrow(1, channels, channels)], 1);
        var (trueMean, _, trueLogVariance) = QPosterior(x0, xt, t);
        using var prediction = PMeanVariance(frozen, xt, t);
        var kl = MeanFlat(GaussianMath.NormalKl(trueMean, trueLogVariance, prediction.Mean, prediction.LogVariance)) / Math.Log(2.0);
        var nll = -MeanFlat(GaussianMath.DiscretizedGaussianLogLikelihood(x0, prediction.Mean, 0.5 * prediction.LogVariance)) / Math.Log(2.0);
        var vb = where(t.to(x0.device) == 0, nll, kl);
        return new DiffusionLosses(mse.MoveToOuterDisposeScope(), vb.MoveToOuterDisposeScope(), (weighted + vb).MoveToOuterDisposeScope());
    }

    /// <summary>Maps step indices of this process to the original timesteps the model was trained on.</summary>
    public Tensor MapTimesteps(Tensor t)
    {
        ArgumentNullException.ThrowIfNull(t);
        using var scope = NewDisposeScope();
        return tensor(timestepMap.Select(v => (long)v).ToArray(), device: t.device).index_select(0, t.to_type(ScalarType.Int64)).MoveToOuterDisposeScope();
    }

    Tensor Loop(Tensor noise, Func<Tensor, Tensor, Tensor> step)
    {
        ArgumentNullException.ThrowIfNull(noise);
        using var outer = NewDisposeScope();
        var x = noise;
        for (int i = Steps - 1; i >= 0; i--)
        {
            using var inner = NewDisposeScope();
            var t = full(noise.shape[0], i, ScalarType.Int64, device: noise.device);
            var next = step(x, t).MoveToOuterDisposeScope();
            // The previous x lives in the outer scope; free it now so memory stays flat over the steps.
            if (!ReferenceEquals(x, noise)) x.Dispose();
            x = next;
        }
        return ReferenceEquals(x, noise) ? noise.clone().MoveToOuterDisposeScope() : x.MoveToOuterDisposeScope();
    }

    (Tensor Epsilon, Tensor LogVariance) SplitOutput(Tensor modelOutput, Tensor xt, Tensor t)
    {
        long channels = xt.shape[1];
        if (Variance == DiffusionVariance.LearnedRange)
        {
            if (modelOutput.shape[1] != 2 * channels)
                throw new ArgumentException($"A learned-variance model outputs 2 x {channels} channels (epsilon, v); got {modelOutput.shape[1]}.", nameof(modelOutput));
            var eps = modelOutput.narrow(1, 0, channels);
            var v = modelOutput.narrow(1, channels, channels);
            var frac = (v + 1) / 2;
            var logVariance = frac * Extract(logBetas, t, xt) + (1 - frac) * Extract(posteriorLogVarianceClipped, t, xt);
            return (eps, logVariance);
        }
        if (modelOutput.shape[1] != channels)
            throw new ArgumentException($"A fixed-variance model outputs epsilon with {channels} channels; got {modelOutput.shape[1]}.", nameof(modelOutput));
        var fixedLog = Variance == DiffusionVariance.FixedSmall ? posteriorLogVarianceClipped : fixedLargeLogVariance;
        return (modelOutput, Extract(fixedLog, t, xt).expand_as(xt));
    }

    void CheckTimesteps(Tensor t, Tensor x)
    {
        ArgumentNullException.ThrowIfNull(t);
        if (t.dim() != 1 || t.shape[0] != x.shape[0])
            throw new ArgumentException($"Timesteps must be [B={x.shape[0]}], got [{string.Join(", ", t.shape)}].", nameof(t));
        if (x.dim() < 2) throw new ArgumentException($"Samples must be [B, C, ...], got [{string.Join(", ", x.shape)}].", nameof(x));
        if (t.numel() > 0 && (t.min().item<long>() < 0 || t.max().item<long>() >= Steps))
            throw new ArgumentException($"Timesteps must be in [0, {Steps - 1}].", nameof(t));
    }

    /// <summary>The schedule values at t, as [B, 1, ...] in x's dtype and device (computed in double, then cast).</summary>
    static Tensor Extract(double[] values, Tensor t, Tensor like, Func<double, double>? map = null)
    {
        double[] mapped = map is null ? values : [.. values.Select(map)];
        long[] shape = [like.shape[0], .. Enumerable.Repeat(1L, (int)like.dim() - 1)];
        return tensor(mapped, ScalarType.Float64, like.device).index_select(0, t.to(like.device).to_type(ScalarType.Int64))
            .to_type(like.dtype).view(shape);
    }

    static Tensor NonZero(Tensor t, Tensor like)
    {
        long[] shape = [like.shape[0], .. Enumerable.Repeat(1L, (int)like.dim() - 1)];
        return (t.to(like.device) != 0).to_type(like.dtype).view(shape);
    }

    static Tensor MeanFlat(Tensor x) => x.flatten(1).mean([1]);
}
