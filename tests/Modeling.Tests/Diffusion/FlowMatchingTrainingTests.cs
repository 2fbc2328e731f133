using Media.Modeling.Diffusion;
using TorchSharp;
using static TorchSharp.torch;

namespace Media.Modeling.Tests.Diffusion;

/// <summary>Flow matching end to end: train a small velocity field, then sample with both solvers.</summary>
[Collection(nameof(SingleThreadedTorch))]
public sealed class FlowMatchingTrainingTests
{
    /// <summary>Two Gaussians of std 0.4 at (2, 1) and (-1, -1), equal weight.</summary>
    static Tensor MixtureSamples(long n, Generator g)
    {
        var which = (rand(n, generator: g) < 0.5).to_type(ScalarType.Float32).unsqueeze(1);
        var centres = which * tensor(new float[] { 2, 1 }) + (1 - which) * tensor(new float[] { -1, -1 });
        return centres + 0.4f * randn(n, 2, generator: g);
    }

    sealed class VelocityNet : nn.Module<Tensor, Tensor, Tensor>
    {
        readonly TorchSharp.Modules.Sequential net;

        public VelocityNet(Generator g) : base(nameof(VelocityNet))
        {
            net = nn.Sequential(nn.Linear(3, 64), nn.SiLU(), nn.Linear(64, 64), nn.SiLU(), nn.Linear(64, 2));
            RegisterComponents();
            // Seeded initialisation (PyTorch's default bound 1/sqrt(fan_in)) so the test does not depend on the global RNG.
            using var noGrad = no_grad();
            foreach (var linear in net.children().OfType<TorchSharp.Modules.Linear>())
            {
                double bound = 1 / Math.Sqrt(linear.weight!.shape[1]);
                linear.weight.copy_((rand(linear.weight.shape, generator: g) * 2 - 1) * bound);
                linear.bias!.copy_((rand(linear.bias.shape, generator: g) * 2 - 1) * bound);
            }
        }

        public override Tensor forward(Tensor x, Tensor t) => net.call(cat([x, t.view(-1, 1)], 1));
    }

    [Fact]
    [Slow("model training (800 steps)")]
    public void A_trained_velocity_field_maps_noise_to_a_gaussian_mixture()
    {
        using var scope = NewDisposeScope();
        using var g = new Generator(1234);
        using var model = new VelocityNet(g);
        using var optimizer = optim.AdamW(model.parameters(), lr: 3e-3, weight_decay: 0.0);
        for (int step = 0; step < 800; step++)
        {
            using var stepScope = NewDisposeScope();
            var x1 = MixtureSamples(256, g);
            var x0 = randn(256, 2, generator: g);
            var t = FlowMatching.Shift(rand(256, generator: g), 1.0);
            var loss = FlowMatching.Loss(model.call(FlowMatching.Interpolate(x0, x1, t), t), x0, x1).mean();
            optimizer.zero_grad();
            loss.backward();
            optimizer.step();
        }
        // Target moments: mean 0.5 (2,1) + 0.5 (-1,-1) = (0.5, 0); covariance 0.16 I + 0.25 d d^T with d = (3, 2).
        double[] mean = [0.5, 0.0];
        double[,] cov = { { 0.16 + 2.25, 1.5 }, { 1.5, 0.16 + 1.0 } };
        using var noGrad = no_grad();
        var noise = randn(4000, 2, generator: g);
        VelocityModel velocity = (x, t, _) => model.call(x, t);
        foreach (var solver in new[] { FlowSolver.Euler, FlowSolver.Adams2 })
        {
            var samples = FlowSampler.Sample(velocity, noise, FlowMatching.Schedule(24), solver);
            var m = samples.mean([0]).data<float>().ToArray();
            var centred = samples - samples.mean([0], keepdim: true);
            var c = (centred.t().matmul(centred) / (samples.shape[0] - 1)).data<float>().ToArray();
            // Sampling error of 4000 draws is about 0.03 on the mean; allow a model this small 0.15 on the mean and 15% on the covariance.
            for (int i = 0; i < 2; i++) Assert.True(Math.Abs(m[i] - mean[i]) < 0.15, $"{solver}: mean[{i}] = {m[i]}, expected {mean[i]}");
            for (int i = 0; i < 2; i++)
            {
                for (int j = 0; j < 2; j++)
                    Assert.True(Math.Abs(c[i * 2 + j] - cov[i, j]) < 0.15 * Math.Max(cov[i, j], 1.0), $"{solver}: cov[{i},{j}] = {c[i * 2 + j]}, expected {cov[i, j]}");
            }
        }
    }
}
