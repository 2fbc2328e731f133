using Media.Tokenizers.Audio.Encodec;
using static TorchSharp.torch;

namespace Media.Tokenizers.Tests.Audio.Encodec;

/// <summary>
/// Training a codec needs exact input gradients from its convolutions. libtorch's CPU convolution backward read memory it
/// never wrote (different gradients on identical inputs, sometimes NaN: the codec loss went to NaN in a few steps).
/// </summary>
public sealed class EncodecConv1dGradientTests
{
    [Theory]
    [InlineData(8, 4, 3, 1, 1, 1602)]
    [InlineData(16, 8, 3, 1, 3, 404)]
    [InlineData(4, 8, 4, 2, 1, 801)]
    public void The_input_gradient_is_the_same_on_every_run_and_matches_the_written_out_gradient(int inChannels, int outChannels, int kernel, int stride, int dilation, int length)
    {
        using var scope = NewDisposeScope();
        manual_seed(4);
        using var layer = new EncodecConv1d(inChannels, outChannels, kernel, stride: stride, dilation: dilation);
        var generator = new Generator(5);
        var input = randn([2, inChannels, length], generator: generator);
        var weight = layer.state_dict()["conv.weight"];
        Tensor? first = null;
        for (int run = 0; run < 30; run++)
        {
            using var runScope = NewDisposeScope();
            // Freed memory full of NaN: a kernel that reads what it never wrote shows it.
            full([4, inChannels, length], float.NaN).Dispose();
            var x = input.clone().requires_grad_(true);
            var output = layer.call(x);
            var upstream = randn(output.shape, generator: new Generator(6));
            (output * upstream).sum().backward();
            var gradient = x.grad!;
            Assert.True(gradient.isfinite().all().item<bool>(), $"run {run}: the input gradient has NaN or infinity");
            if (first is null)
            {
                first = gradient.clone().DetachFromDisposeScope();
                // Reference, written out: tap j of the kernel carries output step i's gradient back to padded sample
                // i * stride + j * dilation through w[:, :, j]; the padding's own backward then folds reflected samples back.
                var x2 = input.clone().requires_grad_(true);
                long extra = CausalPadding.ExtraPadding(length, layer.EffectiveKernelSize, stride, layer.PaddingTotal);
                var padded = CausalPadding.Pad1d(x2, layer.PaddingTotal, extra, layer.PadMode);
                Tensor paddedGradient;
                using (no_grad())
                {
                    paddedGradient = zeros_like(padded);
                    long steps = upstream.shape[2];
                    for (int j = 0; j < kernel; j++)
                    {
                        var tap = einsum("oc,bot->bct", weight.select(2, j), upstream);
                        paddedGradient.index_add_(2, arange(steps) * stride + j * dilation, tap, 1);
                    }
                }
                (padded * paddedGradient).sum().backward();
                Assert.True(gradient.allclose(x2.grad!, rtol: 1e-4, atol: 1e-5), $"largest difference from the reference {(gradient - x2.grad!).abs().max().item<float>()}");
            }
            else
            {
                Assert.True(gradient.equal(first).all().item<bool>(), $"run {run}: the gradient differs from the first run's by {(gradient - first).abs().max().item<float>()}");
            }
        }
        first!.Dispose();
    }
}
