using Media.Tokenizers.Image;
using static TorchSharp.torch;

namespace Media.Tokenizers.Tests.Image;

[Collection(nameof(SingleThreadedTorch))]
public sealed class VqReconstructionMetricsTests
{
    static readonly VqConfig Small = new()
    {
        CodebookSize = 16,
        Channels = 32,
        EncoderChannelMultipliers = [1, 1],
        DecoderChannelMultipliers = [1, 1],
        ZChannels = 32,
        ResBlocks = 1,
    };

    [Fact]
    public void Psnr_is_computed_on_8_bit_levels_per_image()
    {
        using var scope = NewDisposeScope();
        var a = rand(3, 3, 4, 5, generator: new Generator(1)) * 2 - 1;
        var b = (a + randn(3, 3, 4, 5, generator: new Generator(2)) * 0.05).clamp(-1, 1);
        var psnr = VqReconstructionMetrics.PsnrPerImage(a, b);

        var av = a.data<float>().ToArray();
        var bv = b.data<float>().ToArray();
        for (int i = 0; i < 3; i++)
        {
            double sum = 0;
            for (int k = 0; k < 60; k++)
            {
                double x = Math.Round((av[i * 60 + k] + 1) * 127.5, MidpointRounding.ToEven);
                double y = Math.Round((bv[i * 60 + k] + 1) * 127.5, MidpointRounding.ToEven);
                sum += (x - y) * (x - y);
            }
            Assert.Equal(10 * Math.Log10(255.0 * 255.0 / (sum / 60)), psnr[i], 1e-6);
        }
        // Identical images: capped, not infinite.
        Assert.Equal(VqReconstructionMetrics.PsnrCap, VqReconstructionMetrics.PsnrPerImage(a, a)[0]);
        // A one-level error everywhere: 20 log10(255).
        var oneLevel = VqReconstructionMetrics.PsnrPerImage(full(1, 3, 2, 2, -1f), full(1, 3, 2, 2, -1f + 1 / 127.5f));
        Assert.Equal(20 * Math.Log10(255), oneLevel[0], 1e-6);
    }

    [Fact]
    public void Usage_and_perplexity_cover_every_batch_of_the_set()
    {
        using var scope = NewDisposeScope();
        manual_seed(3);
        using var model = new VqModel(Small);
        var images = rand(7, 3, 4, 4, generator: new Generator(4)) * 2 - 1;

        model.train();
        var metrics = VqReconstructionMetrics.Measure(model, images, batchSize: 3);
        // Measured in eval mode, then the caller's mode is back.
        Assert.True(model.training);
        model.eval();

        // Naive: all ids at once, histogram by hand.
        var ids = model.Encode(images).reshape(-1).data<long>().ToArray();
        var counts = ids.GroupBy(id => id).Select(g => (double)g.Count()).ToArray();
        double entropy = counts.Sum(c => -c / ids.Length * Math.Log(c / ids.Length));
        Assert.Equal(counts.Length, metrics.CodesUsed);
        Assert.Equal(counts.Length / 16.0, metrics.CodebookUsage, 1e-12);
        Assert.Equal(Math.Exp(entropy), metrics.Perplexity, 1e-9);
        Assert.Equal(7, metrics.Images);
        var reconstructions = model.Decode(model.Encode(images));
        Assert.Equal(VqReconstructionMetrics.PsnrPerImage(images, reconstructions).Average(), metrics.Psnr, 1e-9);
    }

    [Fact]
    public void Callers_see_every_reconstruction_once_in_order()
    {
        // eval image-vq reads the scene evaluator's figures off the same pass as the PSNR.
        using var scope = NewDisposeScope();
        manual_seed(5);
        using var model = new VqModel(Small);
        model.eval();
        var images = rand(7, 3, 4, 4, generator: new Generator(6)) * 2 - 1;
        var starts = new List<int>();
        var seen = new List<Tensor>();
        VqReconstructionMetrics.Measure(model, images, batchSize: 3, (start, reconstruction) =>
        {
            starts.Add(start);
            seen.Add(reconstruction.clone().MoveToOuterDisposeScope());
        });

        Assert.Equal([0, 3, 6], starts);
        using var noGrad = no_grad();
        // Batches of 3 and one of 7 can round differently in BLAS (other kernels for other shapes); a reconstruction out of
        // order or seen twice differs by far more than this.
        Assert.True(cat(seen, 0).allclose(model.Decode(model.Encode(images)), 1e-4, 1e-4));
    }
}
