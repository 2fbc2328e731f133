using Media.Modeling.Diffusion;
using Media.Modeling.Layers;
using Media.Modeling.Sampling;
using TorchSharp;
using static TorchSharp.torch;

namespace Media.Modeling.Tests.Diffusion;

/// <summary>Sampling loops keep a constant number of live tensors per step and leave none behind (counts are per thread).</summary>
public sealed class MemoryTests
{
    static long Live => DisposeScopeManager.Statistics.ThreadTotalLiveCount;

    [Fact]
    public void Diffusion_loops_hold_a_constant_number_of_tensors_per_step()
    {
        var process = GaussianDiffusion.Create("cosine", 1000, DiffusionVariance.LearnedRange).Respace("50");
        using var g = new Generator(1);
        long before = Live;
        using (var scope = NewDisposeScope())
        {
            var noise = randn(4, 3, generator: g);
            var counts = new List<long>();
            DenoiseModel model = (x, t) =>
            {
                counts.Add(Live);
                return cat([0.1 * x, zeros_like(x)], 1);
            };
            process.PSampleLoop(model, noise, g);
            process.DdimSampleLoop(model, noise);
            // The first call of each loop sees fewer tensors (no previous x yet); after that the count is flat.
            Assert.Single(counts.Skip(2).Take(47).Distinct());
            Assert.Single(counts.Skip(52).Distinct());
        }
        Assert.Equal(before, Live);
    }

    [Fact]
    public void Flow_sampling_token_sampling_and_blocks_leave_no_tensors_behind()
    {
        using var g = new Generator(2);
        using var block = new DiTBlock(16, 2);
        using var state = new SamplingState(new SamplingParameters { TopK = 5, TopP = 0.9, Seed = 3 });
        long before = Live;
        var counts = new List<long>();
        using (var scope = NewDisposeScope())
        {
            var noise = randn(2, 4, generator: g);
            FlowSampler.Sample((x, t, _) =>
            {
                counts.Add(Live);
                return -x;
            }, noise, FlowMatching.Schedule(30, 2.0), FlowSolver.Adams2);
            Assert.Single(counts.Skip(2).Distinct());
        }
        for (int i = 0; i < 20; i++)
        {
            using var scope = NewDisposeScope();
            TokenSampler.Sample(randn(1, 100, generator: g), [state], tensor(new long[] { 1, 2, 3 }).view(1, 3));
            using var noGrad = no_grad();
            block.call(randn(1, 3, 16, generator: g), randn(1, 16, generator: g), null);
        }
        Assert.Equal(before, Live);
    }
}
