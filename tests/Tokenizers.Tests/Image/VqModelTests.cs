using Media.Tokenizers.Image;
using TorchSharp;
using static TorchSharp.torch;

namespace Media.Tokenizers.Tests.Image;

public sealed class VqModelTests
{
    // Small enough for quick CPU steps: widths 32/32, one downsampling, 32 codes.
    static readonly VqConfig Small = new()
    {
        CodebookSize = 32,
        Channels = 32,
        EncoderChannelMultipliers = [1, 1],
        DecoderChannelMultipliers = [1, 1],
        ZChannels = 32,
        ResBlocks = 1,
    };

    [Fact]
    public void Quantizer_picks_the_nearest_normalised_code()
    {
        using var scope = NewDisposeScope();
        using var quantizer = new VectorQuantizer(Small);
        var z = randn(2, 8, 3, 3, generator: new Generator(1));
        var output = quantizer.call(z);
        var codes = quantizer.Codebook().data<float>().ToArray();
        var zs = z.permute(0, 2, 3, 1).contiguous().data<float>().ToArray();
        var ids = output.Indices.reshape(-1).data<long>().ToArray();
        var quantized = output.Quantized.permute(0, 2, 3, 1).contiguous().data<float>().ToArray();
        for (int t = 0; t < 18; t++)
        {
            // Naive: normalise the vector, scan every code.
            var v = zs.Skip(t * 8).Take(8).ToArray();
            double norm = Math.Sqrt(v.Sum(x => (double)x * x));
            int best = -1;
            double bestDistance = double.MaxValue;
            for (int n = 0; n < 32; n++)
            {
                double d = 0;
                for (int k = 0; k < 8; k++) d += Math.Pow(v[k] / norm - codes[n * 8 + k], 2);
                if (d < bestDistance) (best, bestDistance) = (n, d);
            }
            Assert.Equal(best, ids[t]);
            for (int k = 0; k < 8; k++) Assert.Equal(codes[best * 8 + k], quantized[t * 8 + k], 1e-5);
        }
        // Codes are unit vectors; the losses are the same mean squared gap, the commitment one times beta.
        Assert.All(Enumerable.Range(0, 32), n => Assert.Equal(1.0, Math.Sqrt(codes.Skip(n * 8).Take(8).Sum(x => (double)x * x)), 1e-5));
        Assert.Equal(0.25 * output.CodebookLoss.item<float>(), output.CommitmentLoss.item<float>(), 1e-6);
    }

    [Fact]
    public void Straight_through_gradient_is_that_of_the_normalised_input()
    {
        using var scope = NewDisposeScope();
        using var quantizer = new VectorQuantizer(Small);
        var weights = randn(2, 8, 3, 3, generator: new Generator(2));
        var z = randn(2, 8, 3, 3, generator: new Generator(3)).requires_grad_();
        quantizer.call(z).Quantized.mul(weights).sum().backward();
        var viaQuantizer = z.grad!.clone();

        var z2 = z.detach().clone().requires_grad_();
        nn.functional.normalize(z2, p: 2, dim: 1).mul(weights).sum().backward();
        Assert.True(viaQuantizer.allclose(z2.grad!, rtol: 1e-4, atol: 1e-6));
    }

    [Fact]
    public void Reconstruction_loss_reaches_the_encoder_through_the_quantizer()
    {
        using var scope = NewDisposeScope();
        using var model = new VqModel(Small);
        var images = rand(2, 3, 8, 8, generator: new Generator(4)) * 2 - 1;
        var (reconstruction, quantized) = model.call(images);
        reconstruction.sub(images).pow(2).mean().add(quantized.Loss).backward();
        var encoderGrad = model.named_parameters().Single(p => p.name == "encoder.conv_in.weight").parameter.grad;
        Assert.NotNull(encoderGrad);
        Assert.True(encoderGrad.abs().sum().item<float>() > 0);
        Assert.True(model.named_parameters().Single(p => p.name == "quantize.embedding.weight").parameter.grad!.abs().sum().item<float>() > 0);
    }

    [Fact]
    public void Encode_and_decode_have_token_grid_and_image_shapes()
    {
        using var scope = NewDisposeScope();
        using var model = new VqModel(VqConfig.Tiny);
        model.eval();
        var images = rand(2, 3, 64, 64, generator: new Generator(5)) * 2 - 1;
        var ids = model.Encode(images);
        Assert.Equal(new long[] { 2, 16, 16 }, ids.shape);
        Assert.Equal(ScalarType.Int64, ids.dtype);
        Assert.InRange(ids.min().item<long>(), 0, 1023);
        Assert.InRange(ids.max().item<long>(), 0, 1023);
        var decoded = model.Decode(ids);
        Assert.Equal(new long[] { 2, 3, 64, 64 }, decoded.shape);
        Assert.True(decoded.min().item<float>() >= -1 && decoded.max().item<float>() <= 1);
        // Decoding ids gives the same image as the forward pass (which decodes the same codes).
        var (reconstruction, _) = model.call(images);
        Assert.True(decoded.allclose(reconstruction.clamp(-1, 1), atol: 1e-4));
        Assert.Throws<ArgumentException>(() => model.Encode(zeros(1, 3, 62, 62)));
        Assert.Throws<ArgumentOutOfRangeException>(() => model.Decode(full(1, 2, 2, 1024L)));
    }

    [Fact]
    public void Dead_code_restart_replaces_only_unused_codes()
    {
        using var scope = NewDisposeScope();
        using var quantizer = new VectorQuantizer(Small);
        quantizer.train();
        var codes = quantizer.Codebook().detach().clone();
        // Inputs equal to codes 0..4 pick exactly those codes.
        var inputs = codes.index_select(0, arange(5L)).reshape(1, 5, 1, 8).permute(0, 3, 1, 2).contiguous();
        quantizer.call(inputs);
        Assert.Equal(5, (int)quantizer.UsageSinceRestart().gt(0).sum().item<long>());

        var batch = randn(2, 8, 4, 4, generator: new Generator(6));
        int moved = quantizer.RestartDeadCodes(batch, new Generator(7));
        Assert.Equal(27, moved);
        var after = quantizer.Codebook();
        Assert.True(after.index_select(0, arange(5L)).allclose(codes.index_select(0, arange(5L))));
        var candidates = nn.functional.normalize(batch.permute(0, 2, 3, 1).reshape(-1, 8), p: 2, dim: -1);
        for (long n = 5; n < 32; n++)
        {
            Assert.False(after[n].allclose(codes[n]));
            // Each new code is one of the batch's normalised encoder outputs.
            Assert.True(candidates.sub(after[n]).abs().amax(1).min().item<float>() < 1e-5);
        }
        Assert.Equal(0, quantizer.UsageSinceRestart().sum().item<float>());
    }

    [Fact]
    public void Usage_statistics_follow_llamagens_definitions()
    {
        using var scope = NewDisposeScope();
        using var quantizer = new VectorQuantizer(Small);
        quantizer.train();
        var codes = quantizer.Codebook().detach();
        // Codes 3 and 7, four times each: perplexity 2, batch usage 2/32.
        var picks = tensor(new long[] { 3, 7, 3, 7, 3, 7, 3, 7 });
        var inputs = codes.index_select(0, picks).reshape(1, 8, 1, 8).permute(0, 3, 1, 2).contiguous();
        var output = quantizer.call(inputs);
        Assert.Equal(2.0, output.Perplexity, 1e-4);
        Assert.Equal(2.0 / 32, output.BatchUsage, 1e-9);
        // Ring buffer: zeros plus ids 3 and 7 -> {0, 3, 7}.
        Assert.Equal(3.0 / 32, quantizer.RecentUsage(), 1e-9);
    }

    [Fact]
    [Slow("model training")]
    public void A_few_adam_steps_reduce_reconstruction_loss()
    {
        using var scope = NewDisposeScope();
        manual_seed(11);
        using var model = new VqModel(Small);
        model.train();
        // Fixed batch of smooth images: horizontal and vertical ramps of random colours.
        var g = new Generator(12);
        var ramp = linspace(-1, 1, 8);
        var images = cat([
            (rand(2, 3, 1, 1, generator: g) * ramp.reshape(1, 1, 1, 8)).expand(2, 3, 8, 8),
            (rand(2, 3, 1, 1, generator: g) * ramp.reshape(1, 1, 8, 1)).expand(2, 3, 8, 8)]).contiguous();
        var optimizer = optim.Adam(model.parameters(), lr: 2e-3);
        double first = 0, last = 0;
        for (int step = 0; step < 30; step++)
        {
            using var stepScope = NewDisposeScope();
            optimizer.zero_grad();
            var (reconstruction, quantized) = model.call(images);
            var reconstructionLoss = reconstruction.sub(images).pow(2).mean();
            reconstructionLoss.add(quantized.Loss).backward();
            optimizer.step();
            double value = reconstructionLoss.item<float>();
            if (step == 0) first = value;
            last = value;
        }
        Assert.True(last < 0.5 * first, $"reconstruction MSE {first:0.0000} -> {last:0.0000}");
    }
}
