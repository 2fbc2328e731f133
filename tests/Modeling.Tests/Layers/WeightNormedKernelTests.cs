using Media.Modeling.Checkpoints;
using Media.Modeling.Layers;
using static TorchSharp.torch;

namespace Media.Modeling.Tests.Layers;

/// <summary>The weight-normalised kernel against its definition, g v / ||v|| per output slice.</summary>
public sealed class WeightNormedKernelTests
{
    [Fact]
    public void It_starts_at_the_given_kernel_with_g_the_norm_of_each_slice_and_folds_as_a_checkpoint_does()
    {
        using var scope = NewDisposeScope();
        var weight = randn([5, 3, 4], generator: new Generator(11, CPU));
        var bias = randn([5], generator: new Generator(12, CPU));
        using var kernel = new WeightNormedKernel(weight, bias);

        var state = kernel.state_dict();
        Assert.Equal(new[] { "weight_g", "weight_v", "bias" }, state.Keys.ToArray());
        Assert.Equal(new long[] { 5, 1, 1 }, state["weight_g"].shape);
        Assert.True(state["weight_g"].flatten().allclose(weight.flatten(1).norm(1), rtol: 1e-5));
        Assert.True(kernel.Weight().allclose(weight, rtol: 1e-5, atol: 1e-6));
        Assert.True(WeightNorm.Fold(state["weight_g"], state["weight_v"]).allclose(weight, rtol: 1e-5, atol: 1e-6));
        Assert.True(kernel.Bias!.allclose(bias, rtol: 0, atol: 0));

        // Copies, not views: training the kernel leaves the tensors it started from alone.
        using (no_grad()) state["weight_v"].mul_(2);
        Assert.False(state["weight_v"].allclose(weight));
    }

    [Fact]
    public void Unfold_gives_a_weight_normalised_module_the_pair_for_each_folded_weight()
    {
        using var scope = NewDisposeScope();
        var weight = randn([4, 2, 3], generator: new Generator(13, CPU));
        var bias = randn([4], generator: new Generator(14, CPU));
        var state = WeightNorm.Unfold(new Dictionary<string, Tensor> { ["conv.weight"] = weight, ["conv.bias"] = bias }, ["conv.weight_g", "conv.weight_v", "conv.bias"]);

        Assert.Equal(new[] { "conv.weight_g", "conv.weight_v", "conv.bias" }, state.Keys.ToArray());
        Assert.True(WeightNorm.FoldAll(state)["conv.weight"].allclose(weight, rtol: 1e-5, atol: 1e-6));
        Assert.Throws<KeyNotFoundException>(() => WeightNorm.Unfold(new Dictionary<string, Tensor> { ["conv.bias"] = bias }, ["conv.weight_g"]));
    }
}
