using System.Collections;
using Media.Tokenizers.Image.Kl;
using TorchSharp.PyBridge;
using static TorchSharp.torch;

namespace Media.Tokenizers.Tests.Image.Kl;

/// <summary>
/// The KL autoencoder has latent diffusion's AutoencoderKL key layout (MAR's kl16.ckpt), loads such
/// checkpoints, round-trips our model folder, and its Gaussian and scaling behave as MAR relies on.
/// </summary>
[Collection(nameof(SingleThreadedTorch))]
public sealed class KlAutoencoderTests
{
    // Two levels, attention in the encoder's coarsest level, at a size that runs in milliseconds.
    static readonly KlConfig Small = new()
    {
        EmbedDim = 4,
        Channels = 32,
        ChannelMultipliers = [1, 2],
        ResBlocks = 1,
        Resolution = 16,
        EncoderAttentionResolutions = [8],
        ScaleFactor = 0.5,
    };

    /// <summary>AutoencoderKL's keys (LTH14/mar models/vae.py) written out by rule, independently of the modules.</summary>
    static Dictionary<string, long[]> ExpectedKeys(KlConfig c)
    {
        var keys = new Dictionary<string, long[]>();
        void Conv(string p, long cin, long cout, long k) { keys[p + ".weight"] = [cout, cin, k, k]; keys[p + ".bias"] = [cout]; }
        void Norm(string p, long ch) { keys[p + ".weight"] = [ch]; keys[p + ".bias"] = [ch]; }
        void Res(string p, long cin, long cout)
        {
            Norm(p + ".norm1", cin); Conv(p + ".conv1", cin, cout, 3); Norm(p + ".norm2", cout); Conv(p + ".conv2", cout, cout, 3);
            if (cin != cout) Conv(p + ".nin_shortcut", cin, cout, 1);
        }
        void Attn(string p, long ch) { Norm(p + ".norm", ch); foreach (var n in new[] { "q", "k", "v", "proj_out" }) Conv($"{p}.{n}", ch, ch, 1); }
        void Mid(string p, long ch) { Res(p + ".block_1", ch, ch); Attn(p + ".attn_1", ch); Res(p + ".block_2", ch, ch); }

        int levels = c.ChannelMultipliers.Count;
        long ch = c.Channels;
        int resolution = c.Resolution;
        Conv("encoder.conv_in", 3, ch, 3);
        long blockIn = ch;
        for (int i = 0; i < levels; i++)
        {
            long blockOut = ch * c.ChannelMultipliers[i];
            for (int j = 0; j < c.ResBlocks; j++)
            {
                Res($"encoder.down.{i}.block.{j}", j == 0 ? blockIn : blockOut, blockOut);
                if (c.EncoderAttentionResolutions.Contains(resolution)) Attn($"encoder.down.{i}.attn.{j}", blockOut);
            }
            if (i != levels - 1) { Conv($"encoder.down.{i}.downsample.conv", blockOut, blockOut, 3); resolution /= 2; }
            blockIn = blockOut;
        }
        Mid("encoder.mid", blockIn);
        Norm("encoder.norm_out", blockIn);
        Conv("encoder.conv_out", blockIn, 2 * c.EmbedDim, 3);

        blockIn = ch * c.ChannelMultipliers[levels - 1];
        Conv("decoder.conv_in", c.EmbedDim, blockIn, 3);
        Mid("decoder.mid", blockIn);
        for (int i = levels - 1; i >= 0; i--)
        {
            long blockOut = ch * c.ChannelMultipliers[i];
            for (int j = 0; j < c.ResBlocks + 1; j++) Res($"decoder.up.{i}.block.{j}", j == 0 ? blockIn : blockOut, blockOut);
            if (i != 0) Conv($"decoder.up.{i}.upsample.conv", blockOut, blockOut, 3);
            blockIn = blockOut;
        }
        Norm("decoder.norm_out", blockIn);
        Conv("decoder.conv_out", blockIn, 3, 3);
        Conv("quant_conv", 2 * c.EmbedDim, 2 * c.EmbedDim, 1);
        Conv("post_quant_conv", c.EmbedDim, c.EmbedDim, 1);
        return keys;
    }

    static void AssertLayout(KlConfig config)
    {
        using var model = new AutoencoderKl(config);
        var actual = model.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.shape);
        var expected = ExpectedKeys(config);
        Assert.Equal(expected.Keys.Order(), actual.Keys.Order());
        foreach (var (key, shape) in expected) Assert.True(shape.SequenceEqual(actual[key]), $"{key}: expected [{string.Join(", ", shape)}], got [{string.Join(", ", actual[key])}]");
    }

    [Fact]
    public void Kl16_has_the_public_key_layout_and_shapes() => AssertLayout(KlConfig.Kl16);

    [Fact]
    public void Tiny_has_the_same_layout_scaled_down() => AssertLayout(KlConfig.Tiny);

    [Fact]
    public void Tiny_maps_64px_scenes_to_16x16x4_latents_and_back()
    {
        using var scope = NewDisposeScope();
        using var model = new AutoencoderKl(KlConfig.Tiny);
        model.eval();
        var images = rand(2, 3, 64, 64) * 2 - 1;
        var z = model.EncodeScaled(images);
        Assert.Equal([2L, 4, 16, 16], z.shape);
        var decoded = model.DecodeScaled(z);
        Assert.Equal([2L, 3, 64, 64], decoded.shape);
        Assert.True(decoded.abs().max().item<float>() <= 1f);
    }

    static AutoencoderKl Source(int seed)
    {
        manual_seed(seed);
        var model = new AutoencoderKl(Small);
        // Fresh GroupNorms are identity maps; make them non-trivial so a norm loaded wrongly would show.
        using (no_grad())
            foreach (var (_, p) in model.named_parameters().Where(p => p.name.Contains("norm", StringComparison.Ordinal)))
                p.add_(rand(p.shape).sub(0.5));
        model.eval();
        return model;
    }

    static Tensor Decoded(AutoencoderKl model, Tensor images)
    {
        using var noGrad = no_grad();
        using var posterior = model.Encode(images);
        return model.Decode(posterior.Mean);
    }

    [Fact]
    public void Mar_checkpoint_under_model_loads_skipping_the_loss_weights()
    {
        using var folder = new TempFolder();
        using var scope = NewDisposeScope();
        using var source = Source(1);
        var state = new Hashtable();
        foreach (var (key, value) in source.state_dict()) state[key] = value.detach().clone();
        // Latent diffusion checkpoints can carry the discriminator and LPIPS of their training loss.
        state["loss.discriminator.main.0.weight"] = randn(8, 3, 4, 4);
        state["loss.logvar"] = zeros(1);
        string path = folder.File("kl16.ckpt");
        PyTorchPickler.PickleStateDict(path, new Hashtable { ["model"] = state });

        using var loaded = MarKlCheckpoint.Load(path, Small);

        Assert.False(loaded.training);
        var images = rand(2, 3, 16, 16, generator: new Generator(3)) * 2 - 1;
        Assert.Equal(0f, Decoded(source, images).sub(Decoded(loaded, images)).abs().max().item<float>());
    }

    [Fact]
    public void Checkpoint_missing_a_key_is_refused_naming_it()
    {
        using var folder = new TempFolder();
        using var scope = NewDisposeScope();
        using var source = Source(1);
        var state = new Hashtable();
        foreach (var (key, value) in source.state_dict().Where(kv => kv.Key != "post_quant_conv.bias")) state[key] = value.detach().clone();
        string path = folder.File("kl16.ckpt");
        PyTorchPickler.PickleStateDict(path, new Hashtable { ["model"] = state });

        var error = Assert.ThrowsAny<Exception>(() => MarKlCheckpoint.Load(path, Small));
        Assert.Contains("post_quant_conv.bias", error.Message);
    }

    [Fact]
    public void Model_folder_round_trips_weights_to_fp16_and_keeps_the_scale_factor()
    {
        using var folder = new TempFolder();
        using var scope = NewDisposeScope();
        using var source = Source(2);
        KlModelFolder.Save(source, folder.Path, Small with { ScaleFactor = 0.3125 });

        using var loaded = KlModelFolder.Load(folder.Path);

        Assert.Equal(0.3125, loaded.Config.ScaleFactor);
        var images = rand(2, 3, 16, 16, generator: new Generator(4)) * 2 - 1;
        double gap = Decoded(source, images).sub(Decoded(loaded, images)).abs().max().item<float>();
        Assert.InRange(gap, 0, 0.05);
    }

    [Fact]
    public void Scaled_latents_are_the_posterior_mean_times_the_scale_factor()
    {
        using var scope = NewDisposeScope();
        using var model = Source(5);
        var images = rand(1, 3, 16, 16) * 2 - 1;
        using var posterior = model.Encode(images);
        var scaled = model.EncodeScaled(images, sample: false);
        Assert.True(scaled.allclose(posterior.Mean.mul(0.5), 1e-5, 1e-6));
        // DecodeScaled undoes the scaling before the decoder.
        Assert.True(model.DecodeScaled(scaled).allclose(model.Decode(posterior.Mean).clamp(-1, 1).detach(), 1e-5, 1e-5));
    }

    [Fact]
    public void Gaussian_kl_is_zero_for_the_standard_normal_and_matches_the_closed_form()
    {
        using var scope = NewDisposeScope();
        using var standard = new DiagonalGaussian(zeros(2, 8, 3, 3));
        Assert.Equal([0f, 0f], standard.Kl().data<float>().ToArray());
        // Mean 1, log-variance log 4 everywhere: 0.5 (1 + 4 - 1 - ln 4) per element, 4 x 9 elements.
        var moments = cat([ones(1, 4, 3, 3), full(1, 4, 3, 3, Math.Log(4))], 1);
        using var shifted = new DiagonalGaussian(moments);
        Assert.Equal(36 * 0.5 * (4 - Math.Log(4)), shifted.Kl().item<float>(), 3);
        // Samples follow the variance: std 2.
        var sample = shifted.Sample(new Generator(7));
        Assert.Equal([1L, 4, 3, 3], sample.shape);
        using var wide = new DiagonalGaussian(cat([zeros(1, 1, 100, 100), full(1, 1, 100, 100, Math.Log(4))], 1));
        Assert.InRange(wide.Sample(new Generator(8)).std().item<float>(), 1.9, 2.1);
    }

    [Fact]
    public void Config_rejects_widths_groupnorm_cannot_split()
    {
        Assert.Throws<ArgumentException>(() => new KlConfig { Channels = 48 }.Validate());
        Assert.Throws<ArgumentException>(() => new KlConfig { ScaleFactor = 0 }.Validate());
    }

    [Fact]
    [Slow("six fresh autoencoders, forward and backward")]
    public void Fresh_tiny_model_gives_finite_parameters_and_gradients()
    {
        for (int seed = 0; seed < 6; seed++)
        {
            using var scope = NewDisposeScope();
            manual_seed(seed);
            using var model = new AutoencoderKl(KlConfig.Tiny);
            foreach (var (name, p) in model.named_parameters())
                Assert.True(p.isfinite().all().item<bool>(), $"seed {seed}: {name} is not finite at initialisation");
            var images = rand(4, 3, 64, 64) * 2 - 1;
            var (reconstruction, posterior) = model.call(images);
            using (posterior)
            {
                var loss = reconstruction.sub(images).square().mean() + posterior.Kl().mean() * 1e-6;
                loss.backward();
            }
            foreach (var (name, p) in model.named_parameters())
                Assert.True(p.grad is null || p.grad.isfinite().all().item<bool>(), $"seed {seed}: gradient of {name} is not finite");
        }
    }
}
