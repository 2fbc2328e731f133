using Media.Modeling.Layers;
using TorchSharp;
using static TorchSharp.torch;

namespace Media.Modeling.Tests.Layers;

/// <summary>
/// Training the image tokenizers needs exact gradients from their 2-D convolutions. libtorch 2.10's CPU conv2d backward
/// reads memory it never wrote: with freed memory full of NaN, its input gradient differs from run to run and has NaN
/// (a KL-VAE run stalled at 17.7 dB with NaN gradients). The unfold path must give the written-out gradient every time.
/// </summary>
public sealed class UnfoldConvolutionTests
{
    [Theory]
    [InlineData(3, 8, 3, 1, 1, 16)]   // the tokenizers' 3x3 "same" convolution
    [InlineData(8, 8, 3, 2, 0, 17)]   // the downsampler (padded by hand beforehand)
    [InlineData(8, 4, 1, 1, 0, 8)]    // 1x1 projections
    [InlineData(4, 6, 4, 2, 1, 12)]
    public void Conv2d_gradients_are_the_same_on_every_run_and_match_the_written_out_gradients(int inChannels, int outChannels, int kernel, int stride, int padding, int size)
    {
        using var scope = NewDisposeScope();
        manual_seed(4);
        using var conv = nn.Conv2d(inChannels, outChannels, kernel, stride: stride, padding: padding);
        var generator = new Generator(5);
        var input = randn([2, inChannels, size, size], generator: generator);
        var weight = conv.weight!.detach().clone();
        Tensor? firstInput = null, firstWeight = null;
        for (int run = 0; run < 20; run++)
        {
            using var runScope = NewDisposeScope();
            // Freed memory full of NaN: a kernel that reads what it never wrote shows it.
            full([4, inChannels * kernel * kernel, size * size], float.NaN).Dispose();
            conv.zero_grad();
            var x = input.clone().requires_grad_(true);
            var output = UnfoldConvolution.Forward(conv, x);
            var upstream = randn(output.shape, generator: new Generator(6));
            (output * upstream).sum().backward();
            var inputGradient = x.grad!;
            var weightGradient = conv.weight!.grad!;
            Assert.True(inputGradient.isfinite().all().item<bool>(), $"run {run}: the input gradient has NaN or infinity");
            if (firstInput is null)
            {
                firstInput = inputGradient.clone().DetachFromDisposeScope();
                firstWeight = weightGradient.clone().DetachFromDisposeScope();
                using (no_grad())
                {
                    // The forward agrees with libtorch's kernel.
                    Assert.True(output.allclose(conv.call(input), rtol: 1e-4, atol: 1e-5));
                    var (expectedInput, expectedWeight) = WrittenOutGradients(input, weight, upstream, stride, padding);
                    Assert.True(inputGradient.allclose(expectedInput, rtol: 1e-4, atol: 1e-4), $"input gradient: largest difference {(inputGradient - expectedInput).abs().max().item<float>()}");
                    Assert.True(weightGradient.allclose(expectedWeight, rtol: 1e-4, atol: 1e-3), $"weight gradient: largest difference {(weightGradient - expectedWeight).abs().max().item<float>()}");
                }
            }
            else
            {
                Assert.True(inputGradient.equal(firstInput).all().item<bool>(), $"run {run}: the input gradient differs from the first run's by {(inputGradient - firstInput).abs().max().item<float>()}");
                Assert.True(weightGradient.equal(firstWeight!).all().item<bool>(), $"run {run}: the weight gradient differs from the first run's");
            }
        }
        firstInput!.Dispose();
        firstWeight!.Dispose();
    }

    /// <summary>
    /// Tap (i, j) of the kernel links output (h, w) to padded input (h s + i, w s + j) through w[:, :, i, j]: the input
    /// gradient gathers upstream · w there, the weight gradient sums upstream · input over every output position.
    /// Computed in double precision from slices and matrix products only.
    /// </summary>
    static (Tensor Input, Tensor Weight) WrittenOutGradients(Tensor input, Tensor weight, Tensor upstream, long stride, long padding)
    {
        var x = nn.functional.pad(input.to(float64), [padding, padding, padding, padding]);
        var w = weight.to(float64);
        var g = upstream.to(float64);
        long kh = w.shape[2], kw = w.shape[3], outH = g.shape[2], outW = g.shape[3];
        var paddedGradient = zeros_like(x);
        var weightGradient = zeros_like(w);
        for (long i = 0; i < kh; i++)
        {
            for (long j = 0; j < kw; j++)
            {
                var rows = arange(outH, dtype: int64) * stride + i;
                var cols = arange(outW, dtype: int64) * stride + j;
                var window = x.index_select(2, rows).index_select(3, cols);            // [B, C, outH, outW]
                var tap = einsum("oc,bohw->bchw", w[TensorIndex.Colon, TensorIndex.Colon, i, j], g);
                var scattered = zeros_like(x.index_select(2, rows)).index_add(3, cols, tap, 1);
                paddedGradient = paddedGradient.index_add(2, rows, scattered, 1);
                weightGradient[TensorIndex.Colon, TensorIndex.Colon, i, j] = einsum("bohw,bchw->oc", g, window);
            }
        }
        var inputGradient = paddedGradient[TensorIndex.Colon, TensorIndex.Colon,
            TensorIndex.Slice(padding, padding + input.shape[2]), TensorIndex.Slice(padding, padding + input.shape[3])];
        return (inputGradient.to(float32), weightGradient.to(float32));
    }

    [Theory]
    [InlineData(8, 8, 5, 1, 2, 8)]   // depthwise, as ConvNeXt blocks
    [InlineData(8, 4, 5, 1, 2, 1)]
    [InlineData(6, 6, 4, 2, 1, 1)]   // the mel VAE's strided downsampler
    public void Conv1d_with_padding_and_groups_has_the_written_out_input_gradient(int inChannels, int outChannels, int kernel, int stride, int padding, int groups)
    {
        using var scope = NewDisposeScope();
        manual_seed(4);
        using var conv = nn.Conv1d(inChannels, outChannels, kernel, stride: stride, padding: padding, groups: groups);
        var input = randn([2, inChannels, 40], generator: new Generator(5));
        var x = input.clone().requires_grad_(true);
        full([4, inChannels * kernel, 40], float.NaN).Dispose();
        var output = UnfoldConvolution.Forward(conv, x);
        using (no_grad()) Assert.True(output.allclose(conv.call(input), rtol: 1e-4, atol: 1e-5));
        var upstream = randn(output.shape, generator: new Generator(6));
        (output * upstream).sum().backward();
        // Written out: output step t, tap j reads padded sample t s + j through w[:, :, j], within its group.
        var w = conv.weight!.detach().to(float64);
        var g = upstream.to(float64);
        var padded = zeros([2, inChannels, 40 + 2 * padding], dtype: float64);
        long inPerGroup = inChannels / groups, outPerGroup = outChannels / groups;
        for (long group = 0; group < groups; group++)
        {
            var wg = w.narrow(0, group * outPerGroup, outPerGroup);
            var gg = g.narrow(1, group * outPerGroup, outPerGroup);
            for (long j = 0; j < kernel; j++)
            {
                var tap = einsum("oc,bot->bct", wg.select(2, j), gg);
                var positions = arange(g.shape[2], dtype: int64) * stride + j;
                var slot = padded.narrow(1, group * inPerGroup, inPerGroup);
                slot.index_add_(2, positions, tap, 1);
            }
        }
        var expected = padded.narrow(2, padding, 40).to(float32);
        Assert.True(x.grad!.isfinite().all().item<bool>());
        Assert.True(x.grad!.allclose(expected, rtol: 1e-4, atol: 1e-4), $"largest difference {(x.grad! - expected).abs().max().item<float>()}");
    }

    [Theory]
    [InlineData(6, 4, 4, 4)]   // kernel = stride (the mel VAE's upsampler)
    [InlineData(6, 4, 8, 4)]   // overlapping taps (the codec's decoder)
    [InlineData(3, 5, 3, 1)]
    public void ConvTranspose1d_has_the_written_out_output_and_input_gradient(int inChannels, int outChannels, int kernel, int stride)
    {
        using var scope = NewDisposeScope();
        manual_seed(4);
        using var conv = nn.ConvTranspose1d(inChannels, outChannels, kernel, stride: stride);
        var input = randn([2, inChannels, 30], generator: new Generator(5));
        var x = input.clone().requires_grad_(true);
        full([4, outChannels * kernel, 30], float.NaN).Dispose();
        var output = UnfoldConvolution.Forward(conv, x);
        // Written out: input step t reaches output t s + j through w[:, :, j]. (libtorch's own CPU forward is not the
        // reference here: a transposed convolution's forward is the convolution's input-gradient kernel.)
        var w = conv.weight!.detach().to(float64);
        var written = zeros([2, outChannels, 29 * stride + kernel], dtype: float64) + conv.bias!.detach().to(float64).view(1, -1, 1);
        for (long j = 0; j < kernel; j++)
            written.index_add_(2, arange(30, dtype: int64) * stride + j, einsum("co,bct->bot", w.select(2, j), input.to(float64)), 1);
        using (no_grad()) Assert.True(output.allclose(written.to(float32), rtol: 1e-4, atol: 1e-5), $"forward: largest difference {(output - written.to(float32)).abs().max().item<float>()}");
        var upstream = randn(output.shape, generator: new Generator(6));
        (output * upstream).sum().backward();
        // So the input gradient gathers upstream · w from those outputs.
        var g = upstream.to(float64);
        var expected = zeros([2, inChannels, 30], dtype: float64);
        for (long j = 0; j < kernel; j++)
            expected += einsum("co,bot->bct", w.select(2, j), g.index_select(2, arange(30, dtype: int64) * stride + j));
        Assert.True(x.grad!.allclose(expected.to(float32), rtol: 1e-4, atol: 1e-4), $"largest difference {(x.grad! - expected.to(float32)).abs().max().item<float>()}");
    }

    [Fact]
    public void Inference_keeps_the_libtorch_kernel_and_gives_the_same_output()
    {
        using var scope = NewDisposeScope();
        using var conv = nn.Conv2d(3, 5, 3, padding: 1);
        var input = randn([1, 3, 9, 9], generator: new Generator(7));
        using (no_grad())
        {
            Assert.False(UnfoldConvolution.Needed(input, conv.weight!));
            Assert.True(UnfoldConvolution.Forward(conv, input).equal(conv.call(input)).all().item<bool>());
        }
    }

    [Fact]
    public void Training_takes_the_unfold_path_on_the_cpu_only()
    {
        using var scope = NewDisposeScope();
        using var conv = nn.Conv1d(3, 5, 3);
        Assert.True(UnfoldConvolution.Needed(randn([1, 3, 9], requires_grad: true), conv.weight!));
        // libtorch's fault is its CPU kernel: on another device (meta stands in for CUDA here) training keeps the layer's own kernel.
        using var onMeta = nn.Conv1d(3, 5, 3, device: new Device(DeviceType.META));
        Assert.False(UnfoldConvolution.Needed(randn([1, 3, 9], requires_grad: true, device: new Device(DeviceType.META)), onMeta.weight!));
    }
}
