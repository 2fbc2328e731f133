using Media.Modeling.Diffusion;
using TorchSharp;
using static TorchSharp.torch;

namespace Media.Modeling.Tests.Diffusion;

public sealed class GaussianDiffusionTests
{
    static readonly float[] Point = [0.5f, -0.3f, 0.8f, 0.1f];

    /// <summary>The exact epsilon for data that is always <see cref="Point"/>: (x_t - sqrt(abar) x0) / sqrt(1 - abar), at original timesteps.</summary>
    static DenoiseModel Oracle(GaussianDiffusion original, bool learnedVariance) => (xt, timesteps) =>
    {
        var abar = tensor(timesteps.data<long>().ToArray().Select(t => (float)original.AlphasCumprod[(int)t]).ToArray()).view(-1, 1);
        var x0 = tensor(Point).view(1, 4);
        var eps = (xt - abar.sqrt() * x0) / (1 - abar).sqrt();
        return learnedVariance ? cat([eps, zeros_like(eps)], 1) : eps;
    };

    [Fact]
    public void Ancestral_sampling_with_an_oracle_epsilon_recovers_the_data()
    {
        using var scope = NewDisposeScope();
        var full = GaussianDiffusion.Create("cosine", 1000, DiffusionVariance.LearnedRange);
        using var g = new Generator(3);
        var noise = randn(2, 4, generator: g);
        foreach (var process in new[] { full.Respace("10"), full.Respace("100"), full.Respace("25", maxTimestep: 950) })
        {
            var sample = process.PSampleLoop(Oracle(full, learnedVariance: true), noise, g, temperature: 0.9);
            for (int b = 0; b < 2; b++) Assert.True(sample[b].allclose(tensor(Point), rtol: 0, atol: 1e-4), $"row {b} of {process.Steps} steps");
        }
    }

    [Fact]
    public void Ddim_with_an_oracle_epsilon_recovers_the_data()
    {
        using var scope = NewDisposeScope();
        var full = GaussianDiffusion.Create("linear", 1000, DiffusionVariance.FixedSmall);
        using var g = new Generator(4);
        var noise = randn(3, 4, generator: g);
        foreach (double eta in new[] { 0.0, 1.0 })
        {
            var sample = full.Respace("ddim50").DdimSampleLoop(Oracle(full, learnedVariance: false), noise, eta, g);
            for (int b = 0; b < 3; b++) Assert.True(sample[b].allclose(tensor(Point), rtol: 0, atol: 1e-4), $"eta {eta}, row {b}");
        }
    }

    [Fact]
    public void Ddim_with_eta_zero_is_deterministic()
    {
        using var scope = NewDisposeScope();
        var process = GaussianDiffusion.Create("cosine", 1000, DiffusionVariance.FixedSmall).Respace("ddim20");
        DenoiseModel model = (x, t) => 0.3 * x + 0.1 * x.sin() + t.to_type(ScalarType.Float32).view(-1, 1) * 1e-4;
        using var g1 = new Generator(1);
        using var g2 = new Generator(2);
        var noise = randn(2, 6, generator: g1);
        var first = process.DdimSampleLoop(model, noise, 0.0, g1);
        var second = process.DdimSampleLoop(model, noise, 0.0, g2);
        Assert.Equal(first.data<float>().ToArray(), second.data<float>().ToArray());
    }

    [Fact]
    public void Ddim_step_matches_the_closed_form_on_a_hand_example()
    {
        using var scope = NewDisposeScope();
        // betas 0.1, 0.2, 0.3: abar = 0.9, 0.72, 0.504. Step from t = 2 to t = 1 with eps = 0.5, x_t = 1.
        var process = new GaussianDiffusion([0.1, 0.2, 0.3], DiffusionVariance.FixedSmall);
        Assert.Equal(0.504, process.AlphasCumprod[2], 12);
        var x = process.DdimStep(tensor(new float[] { 0.5f }).view(1, 1), tensor(new float[] { 1f }).view(1, 1), tensor(new long[] { 2 }));
        double x0 = (1 - Math.Sqrt(1 - 0.504) * 0.5) / Math.Sqrt(0.504);
        double expected = Math.Sqrt(0.72) * x0 + Math.Sqrt(1 - 0.72) * 0.5;
        Assert.Equal(expected, x.item<float>(), 5);
    }

    [Fact]
    public void Learned_range_variance_spans_log_beta_tilde_to_log_beta()
    {
        using var scope = NewDisposeScope();
        var process = GaussianDiffusion.Create("cosine", 1000, DiffusionVariance.LearnedRange);
        var xt = ones(3, 2);
        var t = tensor(new long[] { 0, 10, 700 });
        var eps = zeros(3, 2);
        using var low = process.PMeanVariance(cat([eps, full(3, 2, -1f)], 1), xt, t);
        using var high = process.PMeanVariance(cat([eps, full(3, 2, 1f)], 1), xt, t);
        using var middle = process.PMeanVariance(cat([eps, zeros(3, 2)], 1), xt, t);
        int[] steps = [0, 10, 700];
        for (int b = 0; b < 3; b++)
        {
            int s = steps[b];
            // At t = 0 beta-tilde is 0; iDDPM clips its log with beta-tilde_1.
            double tilde = s == 0 ? process.PosteriorVariance[1] : process.PosteriorVariance[s];
            Assert.Equal(Math.Log(tilde), low.LogVariance[b, 0].item<float>(), 4);
            Assert.Equal(Math.Log(process.Betas[s]), high.LogVariance[b, 1].item<float>(), 4);
            Assert.Equal(0.5 * (Math.Log(tilde) + Math.Log(process.Betas[s])), middle.LogVariance[b, 0].item<float>(), 4);
        }
    }

    [Fact]
    public void Q_sample_and_posterior_follow_their_formulas()
    {
        using var scope = NewDisposeScope();
        var process = new GaussianDiffusion([0.1, 0.2, 0.3], DiffusionVariance.FixedSmall);
        var x0 = tensor(new float[] { 2f }).view(1, 1);
        var noise = tensor(new float[] { -1f }).view(1, 1);
        var t = tensor(new long[] { 1 });
        var xt = process.QSample(x0, t, noise);
        Assert.Equal(Math.Sqrt(0.72) * 2 - Math.Sqrt(0.28), xt.item<float>(), 5);
        var (mean, variance, _) = process.QPosterior(x0, xt, t);
        // beta-tilde_1 = 0.2 (1 - 0.9) / (1 - 0.72); mean = beta sqrt(abar_prev)/(1-abar) x0 + (1-abar_prev) sqrt(alpha)/(1-abar) x_t.
        Assert.Equal(0.2 * 0.1 / 0.28, variance.item<float>(), 6);
        double expectedMean = 0.2 * Math.Sqrt(0.9) / 0.28 * 2 + 0.1 * Math.Sqrt(0.8) / 0.28 * xt.item<float>();
        Assert.Equal(expectedMean, mean.item<float>(), 5);
    }

    [Fact]
    public void Training_losses_vanish_for_the_oracle_and_grow_with_a_wrong_variance()
    {
        using var scope = NewDisposeScope();
        var process = GaussianDiffusion.Create("cosine", 1000, DiffusionVariance.LearnedRange);
        var x0 = tensor(Point).view(1, 4).expand(3, 4).contiguous();
        using var g = new Generator(8);
        var noise = randn(3, 4, generator: g);
        var t = tensor(new long[] { 5, 300, 900 });
        // v = -1 selects the posterior variance exactly: the KL to the true posterior is 0.
        DenoiseModel exact = (xt, steps) => cat([Oracle(process, false)(xt, steps), full(3, 4, -1f)], 1);
        DenoiseModel wide = (xt, steps) => cat([Oracle(process, false)(xt, steps), full(3, 4, 1f)], 1);
        using var good = process.TrainingLosses(exact, x0, t, noise);
        using var bad = process.TrainingLosses(wide, x0, t, noise);
        Assert.All(good.Mse.data<float>().ToArray(), v => Assert.InRange(v, 0, 1e-6));
        Assert.All(good.VariationalBound!.data<float>().ToArray(), v => Assert.InRange(v, -1e-5, 1e-5));
        // v = +1 picks beta instead of beta-tilde with the same mean: KL = (-1 + log(beta / tilde) + tilde / beta) / 2, in bits.
        var vb = bad.VariationalBound!.data<float>().ToArray();
        int[] steps = [5, 300, 900];
        for (int b = 0; b < 3; b++)
        {
            double beta = process.Betas[steps[b]], tilde = process.PosteriorVariance[steps[b]];
            double expected = 0.5 * (-1 + Math.Log(beta / tilde) + tilde / beta) / Math.Log(2);
            Assert.Equal(expected, vb[b], 1e-6 + 2e-3 * expected);
        }
        Assert.True(vb[0] > 1e-3, $"KL {vb[0]} at t = 5 should be clearly positive");
        Assert.True(bad.Loss.allclose(bad.Mse + bad.VariationalBound!, rtol: 0, atol: 1e-6));
    }

    [Fact]
    public void Velocity_loss_weights_turn_an_epsilon_error_into_the_velocity_error_up_to_the_cap()
    {
        using var scope = NewDisposeScope();
        var process = GaussianDiffusion.Create("cosine", 1000, DiffusionVariance.LearnedRange);
        var weights = process.VelocityLossWeights(50);
        var x0 = tensor(Point).view(1, 4);
        var wrongX0 = x0 + tensor(new[] { 0.3f, -0.2f, 0.1f, 0.4f }).view(1, 4);
        var noise = tensor(new[] { -0.7f, 1.1f, 0.2f, -0.4f }).view(1, 4);
        foreach (int step in new[] { 0, 100, 500, 900 })
        {
            var t = tensor(new long[] { step });
            double a = process.AlphasCumprod[step];
            var xt = process.QSample(x0, t, noise);
            // The epsilon a model predicting wrongX0 would give, and the velocities v = sqrt(abar) eps - sqrt(1 - abar) x0 of both.
            var wrongEps = process.PredictEpsilon(xt, t, wrongX0);
            var v = Math.Sqrt(a) * noise - Math.Sqrt(1 - a) * x0;
            var wrongV = Math.Sqrt(a) * wrongEps - Math.Sqrt(1 - a) * wrongX0;
            double epsError = (wrongEps - noise).square().sum().item<float>(), vError = (wrongV - v).square().sum().item<float>();
            Assert.Equal(vError, weights[step] * epsError, vError * 1e-3);
        }
        // 1 / abar passes 50 near t = 910 and grows to 4e8 at t = 999: capped there.
        Assert.Equal(50, weights[999]);
        Assert.All(process.VelocityLossWeights(1), w => Assert.Equal(1, w));
        Assert.Throws<ArgumentOutOfRangeException>(() => process.VelocityLossWeights(0.5));
    }
}
