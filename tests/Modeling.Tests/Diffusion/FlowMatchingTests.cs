using Media.Modeling.Diffusion;
using TorchSharp;
using static TorchSharp.torch;

namespace Media.Modeling.Tests.Diffusion;

public sealed class FlowMatchingTests
{
    [Fact]
    public void Interpolation_velocity_and_jump_follow_D_AR_convention()
    {
        using var scope = NewDisposeScope();
        var x0 = tensor(new float[] { 1, -2, 0.5f, 3 }).view(2, 2);
        var x1 = tensor(new float[] { 4, 0, -1, 1 }).view(2, 2);
        var t = tensor(new float[] { 0.25f, 0.8f });
        var xt = FlowMatching.Interpolate(x0, x1, t);
        double[] expected = [0.25 * 4 + 0.75 * 1, 0.75 * -2, 0.8 * -1 + 0.2 * 0.5, 0.8 * 1 + 0.2 * 3];
        var got = xt.data<float>().ToArray();
        for (int i = 0; i < 4; i++) Assert.Equal(expected[i], got[i], 5);
        Assert.True(FlowMatching.Interpolate(x0, x1, zeros(2)).allclose(x0, rtol: 0, atol: 0));
        Assert.True(FlowMatching.Interpolate(x0, x1, ones(2)).allclose(x1, rtol: 0, atol: 0));
        // On the straight path the true velocity x1 - x0 jumps from any t straight to the data.
        var jumped = FlowMatching.JumpToData(xt, FlowMatching.VelocityTarget(x0, x1), t);
        Assert.True(jumped.allclose(x1, rtol: 0, atol: 1e-6));
    }

    [Fact]
    public void Times_per_frame_interpolate_and_jump_each_frame_at_its_own_time()
    {
        using var scope = NewDisposeScope();
        manual_seed(1);
        var x0 = randn(2, 3, 4);
        var x1 = randn(2, 3, 4);
        var t = rand(2, 3);   // a time per (row, frame): ARDiT's blocks each at their own flow time
        var xt = FlowMatching.Interpolate(x0, x1, t);
        for (int r = 0; r < 2; r++)
            for (int f = 0; f < 3; f++)
            {
                float tf = t[r, f].item<float>();
                Assert.True(xt[r, f].allclose(tf * x1[r, f] + (1 - tf) * x0[r, f], rtol: 0, atol: 1e-6));
            }
        Assert.True(FlowMatching.JumpToData(xt, FlowMatching.VelocityTarget(x0, x1), t).allclose(x1, rtol: 0, atol: 1e-5));
        Assert.Throws<ArgumentException>(() => FlowMatching.Interpolate(x0, x1, rand(2, 4)));   // not a leading part of [2, 3, 4]
    }

    [Theory]
    [InlineData(0.0, 2.0, 0.0)]
    [InlineData(0.5, 2.0, 1.0 / 3)]
    [InlineData(0.8, 2.0, 0.8 / (0.8 + 0.4))]
    [InlineData(1.0, 2.0, 1.0)]
    [InlineData(0.3, 1.0, 0.3)]
    public void Time_shift_is_t_over_t_plus_s_times_one_minus_t(double t, double shift, double expected)
    {
        Assert.Equal(expected, FlowMatching.Shift(t, shift), 12);
        using var scope = NewDisposeScope();
        Assert.Equal(expected, FlowMatching.Shift(tensor(new[] { t }), shift).item<double>(), 12);
    }

    [Fact]
    public void Adams2_is_Euler_first_then_the_two_step_recurrence()
    {
        using var scope = NewDisposeScope();
        // v(x, t) = t - x, on times 0, 0.2, 0.5, 1, by hand.
        double[] times = [0, 0.2, 0.5, 1];
        VelocityModel model = (x, t, _) => t.view(-1, 1) - x;
        var result = FlowSampler.Sample(model, tensor(new float[] { 1 }).view(1, 1), times, FlowSolver.Adams2).item<float>();
        double x0 = 1, v0 = 0 - x0, x1 = x0 + 0.2 * v0;
        double v1 = 0.2 - x1, x2 = x1 + 0.3 * (1.5 * v1 - 0.5 * v0);
        double v2 = 0.5 - x2, x3 = x2 + 0.5 * (1.5 * v2 - 0.5 * v1);
        Assert.Equal(x3, result, 5);
        var euler = FlowSampler.Sample(model, tensor(new float[] { 1 }).view(1, 1), times, FlowSolver.Euler).item<float>();
        double e1 = 1 + 0.2 * -1.0, e2 = e1 + 0.3 * (0.2 - e1), e3 = e2 + 0.5 * (0.5 - e2);
        Assert.Equal(e3, euler, 5);
    }

    [Fact]
    public void Stepwise_sampling_can_preview_by_jumping_to_the_end()
    {
        using var scope = NewDisposeScope();
        var target = tensor(new float[] { 2, -1 }).view(1, 2);
        var noise = tensor(new float[] { 0.3f, 0.7f }).view(1, 2);
        using var sampler = new FlowSampler(FlowMatching.Schedule(8, shift: 2.0), FlowSolver.Adams2);
        var x = noise;
        for (int i = 0; i < 3; i++) x = sampler.Step(x, target - noise);   // the exact field of one straight path
        var t = full(1, sampler.Time, ScalarType.Float32);
        Assert.True(FlowMatching.JumpToData(x, target - noise, t).allclose(target, rtol: 0, atol: 1e-5));
        Assert.Equal(3, sampler.StepIndex);
    }
}
