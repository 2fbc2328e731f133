using Media.Modeling.Sampling;
using TorchSharp;
using static TorchSharp.torch;

namespace Media.Modeling.Tests.Sampling;

public sealed class GuidanceTests
{
    [Fact]
    public void Scale_one_gives_the_conditional_and_scale_zero_the_unconditional_logits()
    {
        using var scope = NewDisposeScope();
        using var g = new Generator(4);
        var cond = randn(3, 17, generator: g);
        var uncond = randn(3, 17, generator: g);
        Assert.True(ClassifierFreeGuidance.Combine(cond, uncond, 1.0).allclose(cond, rtol: 0, atol: 1e-6));
        Assert.True(ClassifierFreeGuidance.Combine(cond, uncond, 0.0).allclose(uncond, rtol: 0, atol: 1e-6));
        Assert.True(ClassifierFreeGuidance.CombineHalves(cat([cond, uncond]), 1.0).allclose(cond, rtol: 0, atol: 1e-6));
        var mixed = ClassifierFreeGuidance.Combine(cond, uncond, [1.0, 4.0, 0.0]);
        Assert.True(mixed[0].allclose(cond[0], rtol: 0, atol: 1e-6));
        Assert.True(mixed[1].allclose(uncond[1] + 4 * (cond[1] - uncond[1]), rtol: 0, atol: 1e-5));
        Assert.True(mixed[2].allclose(uncond[2], rtol: 0, atol: 1e-6));
    }

    [Fact]
    public void Linear_schedule_matches_torch_linspace_as_D_AR_builds_it()
    {
        using var scope = NewDisposeScope();
        var expected = linspace(1.2, 8.0, 256, dtype: ScalarType.Float64).data<double>().ToArray();
        var schedule = GuidanceSchedule.Linear(1.2, 8.0);
        foreach (int i in new[] { 0, 1, 100, 128, 255 }) Assert.Equal(expected[i], schedule.ScaleAt(i, 256), 12);
        Assert.Equal(1.2, schedule.ScaleAt(0, 256));
        Assert.Equal(8.0, schedule.ScaleAt(255, 256), 12);
    }

    [Theory]
    [InlineData(0, 1.0)]
    [InlineData(64, 2.5)]     // a quarter of the tokens: half of the ramp from 1 to 4
    [InlineData(128, 4.0)]
    [InlineData(200, 4.0)]
    [InlineData(255, 4.0)]
    public void Half_linear_schedule_ramps_over_the_first_half_then_stays(int position, double expected) =>
        Assert.Equal(expected, GuidanceSchedule.HalfLinear(4.0).ScaleAt(position, 256), 12);

    [Fact]
    public void Mask_linear_schedule_follows_MAR_over_its_cosine_mask_ratios()
    {
        const int n = 256, iterations = 64;
        var schedule = GuidanceSchedule.MaskLinear(3.0);
        foreach (int k in new[] { 0, 10, 31, 62 })
        {
            int maskLength = (int)Math.Floor(n * Math.Cos(Math.PI / 2 * (k + 1) / iterations));
            double expected = 1 + (3.0 - 1) * (n - maskLength) / n;
            Assert.Equal(expected, schedule.ScaleAt(n - maskLength, n), 12);
        }
        Assert.Equal(7.5, GuidanceSchedule.Constant(7.5).ScaleAt(17, 256));
    }

    [Fact]
    public void Schedules_reject_positions_outside_the_generation()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => GuidanceSchedule.Linear(1, 2).ScaleAt(-1, 10));
        Assert.Throws<ArgumentOutOfRangeException>(() => GuidanceSchedule.Linear(1, 2).ScaleAt(0, 0));
    }
}
