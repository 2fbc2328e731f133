using Media.Modeling.Training;
using static TorchSharp.torch;

namespace Media.Modeling.Tests.Training;

public sealed class LossBalancerTests
{
    static (Tensor Output, Tensor Weight) Output()
    {
        var weight = tensor(new float[] { 0.5f, -1.0f, 2.0f, 0.25f }).requires_grad_(true);
        var input = tensor(new float[] { 1, 2, 3, 4, -1, 0.5f, 2, -3 }).view(2, 4);
        return (input * weight, weight);
    }

    static Dictionary<string, Tensor> Losses(Tensor output, double scaleA) => new(StringComparer.Ordinal)
    {
        ["a"] = output.square().sum() * scaleA,
        ["b"] = (output * tensor(new float[] { 1, -2, 3, -4 })).sum(),
    };

    [Fact]
    public void Each_loss_gets_its_weight_share_of_a_unit_gradient_norm_per_batch_item()
    {
        using var scope = NewDisposeScope();
        var (output, _) = Output();
        var losses = Losses(output, 1.0);
        var gradA = autograd.grad([losses["a"]], [output], retain_graph: true)[0];
        var gradB = autograd.grad([losses["b"]], [output], retain_graph: true)[0];
        var balancer = new LossBalancer(new Dictionary<string, double> { ["a"] = 1, ["b"] = 3 });

        var (_, gradient) = balancer.Surrogate(output, losses);

        // First step: the bias-corrected average is this step's norm (per row, averaged over the batch).
        double normA = gradA.norm(1, false, 2).mean().item<float>(), normB = gradB.norm(1, false, 2).mean().item<float>();
        var expected = gradA * (0.25 / normA) + gradB * (0.75 / normB);
        Assert.True(gradient.allclose(expected, rtol: 1e-5, atol: 1e-6));
    }

    [Fact]
    public void Scaling_a_loss_leaves_the_balanced_gradient_unchanged()
    {
        using var scope = NewDisposeScope();
        var weights = new Dictionary<string, double> { ["a"] = 1, ["b"] = 1 };
        var (output1, _) = Output();
        var (_, small) = new LossBalancer(weights).Surrogate(output1, Losses(output1, 1.0));
        var (output2, _) = Output();
        var (_, large) = new LossBalancer(weights).Surrogate(output2, Losses(output2, 1000.0));

        Assert.True(large.allclose(small, rtol: 1e-4, atol: 1e-6));
    }

    [Fact]
    public void The_surrogate_backpropagates_the_balanced_gradient_into_the_model()
    {
        using var scope = NewDisposeScope();
        var (output, weight) = Output();
        var (surrogate, gradient) = new LossBalancer(new Dictionary<string, double> { ["a"] = 1, ["b"] = 1 }).Surrogate(output, Losses(output, 1.0));

        surrogate.backward();

        // output = input * weight, so d/dweight of sum(output * G) is the column sums of input * G.
        var input = tensor(new float[] { 1, 2, 3, 4, -1, 0.5f, 2, -3 }).view(2, 4);
        Assert.True(weight.grad!.allclose((input * gradient).sum(0L, false), rtol: 1e-5, atol: 1e-6));
    }

    [Fact]
    public void The_average_norm_follows_later_steps_with_the_decay()
    {
        using var scope = NewDisposeScope();
        var balancer = new LossBalancer(new Dictionary<string, double> { ["a"] = 1 }, beta: 0.5);
        var x = ones(1, 3).requires_grad_(true);
        balancer.Surrogate(x, new Dictionary<string, Tensor> { ["a"] = x.sum() * 2 });          // norm 2 sqrt(3)
        balancer.Surrogate(x, new Dictionary<string, Tensor> { ["a"] = x.sum() * 4 });          // norm 4 sqrt(3)

        // Bias-corrected: (0.5 * 2 + 4) / (0.5 + 1) times sqrt(3).
        Assert.Equal(5.0 / 1.5 * Math.Sqrt(3), balancer.AverageNorms["a"], 4);
    }

    [Fact]
    public void Losses_other_than_the_weighted_ones_and_non_positive_weights_are_refused()
    {
        using var scope = NewDisposeScope();
        Assert.Throws<ArgumentException>(() => new LossBalancer(new Dictionary<string, double> { ["a"] = 0 }));
        var (output, _) = Output();
        var balancer = new LossBalancer(new Dictionary<string, double> { ["a"] = 1, ["b"] = 1 });
        Assert.Throws<ArgumentException>(() => balancer.Surrogate(output, new Dictionary<string, Tensor> { ["a"] = output.sum() }));
    }
}
