using Media.Modeling.Training;
using static TorchSharp.torch;

namespace Media.Modeling.Tests.Training;

/// <summary>The weight average against its update formula.</summary>
public sealed class ExponentialMovingAverageTests
{
    static void Set(nn.Module module, float[] weight, float[] bias)
    {
        using var noGrad = no_grad();
        module.state_dict()["weight"].copy_(tensor(weight).reshape(2, 2));
        module.state_dict()["bias"].copy_(tensor(bias));
    }

    static float[] Values(Tensor t) => t.reshape(-1).data<float>().ToArray();

    [Fact]
    public void Update_matches_decay_times_shadow_plus_one_minus_decay_times_weight()
    {
        using var scope = NewDisposeScope();
        var model = nn.Linear(2, 2);
        float[] w0 = [1, 2, 3, 4], b0 = [0.5f, -0.5f], w1 = [5, 6, 7, 8], b1 = [1, 1], w2 = [-1, 0, 1, 2], b2 = [0, 2];
        Set(model, w0, b0);
        using var ema = new ExponentialMovingAverage(model, decay: 0.9);

        Set(model, w1, b1);
        ema.Update();
        Set(model, w2, b2);
        ema.Update();

        // shadow_n = 0.9 * shadow_{n-1} + 0.1 * w_n, from shadow_0 = w0.
        var expectedW = w0.Select((x, i) => 0.9 * (0.9 * x + 0.1 * w1[i]) + 0.1 * w2[i]).ToArray();
        var expectedB = b0.Select((x, i) => 0.9 * (0.9 * x + 0.1 * b1[i]) + 0.1 * b2[i]).ToArray();
        var actualW = Values(ema.State["weight"]);
        var actualB = Values(ema.State["bias"]);
        for (int i = 0; i < 4; i++) Assert.Equal(expectedW[i], actualW[i], 5);
        for (int i = 0; i < 2; i++) Assert.Equal(expectedB[i], actualB[i], 5);
        Assert.Equal(2, ema.Updates);
    }

    [Fact]
    public void Swap_in_puts_the_averages_in_and_restores_the_training_weights()
    {
        using var scope = NewDisposeScope();
        var model = nn.Linear(2, 2);
        Set(model, [1, 2, 3, 4], [0, 0]);
        using var ema = new ExponentialMovingAverage(model, decay: 0.5);
        Set(model, [3, 4, 5, 6], [2, 2]);
        ema.Update();

        using (ema.SwapIn())
        {
            Assert.Equal(new float[] { 2, 3, 4, 5 }, Values(model.state_dict()["weight"]));
            Assert.Equal(new float[] { 1, 1 }, Values(model.state_dict()["bias"]));
        }
        Assert.Equal(new float[] { 3, 4, 5, 6 }, Values(model.state_dict()["weight"]));
        Assert.Equal(new float[] { 2, 2 }, Values(model.state_dict()["bias"]));
    }
}
