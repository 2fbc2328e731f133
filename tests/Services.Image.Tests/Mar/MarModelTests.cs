using System.Collections;
using Media.Services.Image.Data;
using Media.Services.Image.Mar;
using Media.Services.Image.Tests.Training;
using Media.Tokenizers.Text;
using TorchSharp.PyBridge;
using static TorchSharp.torch;

namespace Media.Services.Image.Tests.Mar;

/// <summary>MAR's module tree has the public key layout (LTH14/mar), loads public-style checkpoints (EMA preferred) and trains.</summary>
[Collection(nameof(SingleThreadedTorch))]
public sealed class MarModelTests
{
    internal static MarConfig TinyCaption { get; } = new()
    {
        EncoderEmbedDim = 32, EncoderDepth = 1, EncoderNumHeads = 2,
        DecoderEmbedDim = 32, DecoderDepth = 1, DecoderNumHeads = 2,
        BufferSize = 24, CaptionGpt2Ids = CaptionVocabulary.FromWords(CaptionWords.All).Gpt2Ids.ToArray(),
        DifflossD = 1, DifflossW = 32, NumSamplingSteps = 10,
    };

    // The public class-conditioned layout (patch 1, class_emb), small enough to write out.
    static readonly MarConfig TinyClass = MarConfig.MarB with
    {
        ImgSize = 64, EncoderEmbedDim = 32, EncoderDepth = 2, EncoderNumHeads = 2,
        DecoderEmbedDim = 32, DecoderDepth = 2, DecoderNumHeads = 2, ClassNum = 10, BufferSize = 8, DifflossD = 2, DifflossW = 32,
    };

    /// <summary>MAR's keys and shapes (models/mar.py, models/diffloss.py) written out by rule.</summary>
    static Dictionary<string, long[]> ExpectedKeys(MarConfig c)
    {
        var keys = new Dictionary<string, long[]>();
        void Linear(string p, long i, long o) { keys[p + ".weight"] = [o, i]; keys[p + ".bias"] = [o]; }
        void Norm(string p, long d) { keys[p + ".weight"] = [d]; keys[p + ".bias"] = [d]; }
        void Block(string p, long d)
        {
            Norm(p + ".norm1", d); Linear(p + ".attn.qkv", d, 3 * d); Linear(p + ".attn.proj", d, d);
            Norm(p + ".norm2", d); Linear(p + ".mlp.fc1", d, (long)(4 * d)); Linear(p + ".mlp.fc2", (long)(4 * d), d);
        }
        long e = c.EncoderEmbedDim, d = c.DecoderEmbedDim, len = c.SeqLen + c.BufferSize, w = c.DifflossW, t = c.TokenEmbedDim;
        keys["class_emb.weight"] = [c.ClassNum, e];
        keys["fake_latent"] = [1, e];
        Linear("z_proj", t, e);
        Norm("z_proj_ln", e);
        keys["encoder_pos_embed_learned"] = [1, len, e];
        for (int i = 0; i < c.EncoderDepth; i++) Block($"encoder_blocks.{i}", e);
        Norm("encoder_norm", e);
        Linear("decoder_embed", e, d);
        keys["mask_token"] = [1, 1, d];
        keys["decoder_pos_embed_learned"] = [1, len, d];
        for (int i = 0; i < c.DecoderDepth; i++) Block($"decoder_blocks.{i}", d);
        Norm("decoder_norm", d);
        keys["diffusion_pos_embed_learned"] = [1, c.SeqLen, d];
        Linear("diffloss.net.time_embed.mlp.0", 256, w);
        Linear("diffloss.net.time_embed.mlp.2", w, w);
        Linear("diffloss.net.cond_embed", d, w);
        Linear("diffloss.net.input_proj", t, w);
        for (int i = 0; i < c.DifflossD; i++)
        {
            Norm($"diffloss.net.res_blocks.{i}.in_ln", w);
            Linear($"diffloss.net.res_blocks.{i}.mlp.0", w, w);
            Linear($"diffloss.net.res_blocks.{i}.mlp.2", w, w);
            Linear($"diffloss.net.res_blocks.{i}.adaLN_modulation.1", w, 3 * w);
        }
        Linear("diffloss.net.final_layer.linear", w, 2 * t);
        Linear("diffloss.net.final_layer.adaLN_modulation.1", w, 2 * w);
        return keys;
    }

    static void AssertLayout(MarConfig config)
    {
        using var model = new MarModel(config);
        var actual = model.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.shape);
        // The public keys, through the rename table the loader applies (timm's attn.qkv/attn.proj onto the shared attention).
        var renames = Media.Modeling.Layers.VitBlock.TimmKeyRenames;
        var expected = ExpectedKeys(config).ToDictionary(kv => renames.Rename(kv.Key), kv => kv.Value);
        Assert.Equal(expected.Keys.Order(), actual.Keys.Order());
        foreach (var (key, shape) in expected) Assert.True(shape.SequenceEqual(actual[key]), $"{key}: expected [{string.Join(", ", shape)}], got [{string.Join(", ", actual[key])}]");
    }

    [Fact]
    public void Mar_b_has_the_public_key_layout_and_shapes() => AssertLayout(MarConfig.MarB);

    [Fact]
    public void Mar_l_widths_and_head_follow_the_public_layout() =>
        // MAR-L's width (1024) and head (8 x 1280) with two blocks each, to keep the test light.
        AssertLayout(MarConfig.MarL with { EncoderDepth = 2, DecoderDepth = 2 });

    static Hashtable Pickled(MarModel model)
    {
        var table = new Hashtable();
        foreach (var (key, value) in model.state_dict()) table[key] = value.detach().clone();
        return table;
    }

    [Fact]
    public void Public_checkpoint_loads_the_ema_weights()
    {
        string path = Path.Combine(Path.GetTempPath(), $"mar-{Guid.NewGuid():N}.pth");
        try
        {
            using var scope = NewDisposeScope();
            manual_seed(1);
            using var online = new MarModel(TinyClass);
            manual_seed(2);
            using var ema = new MarModel(TinyClass);
            // MAR's main_mar.py saves {"model", "model_ema", "optimizer", "epoch", "args"}.
            PyTorchPickler.PickleStateDict(path, new Hashtable { ["model"] = Pickled(online), ["model_ema"] = Pickled(ema), ["epoch"] = 399 });

            using var loaded = MarCheckpoint.LoadPublic(path, TinyClass);

            Assert.False(loaded.training);
            foreach (var (key, value) in ema.state_dict())
                Assert.True(value.eq(loaded.state_dict()[key]).all().item<bool>(), $"{key} is not the EMA weight");
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Public_checkpoint_of_another_size_is_refused_naming_a_key()
    {
        string path = Path.Combine(Path.GetTempPath(), $"mar-{Guid.NewGuid():N}.pth");
        try
        {
            using var scope = NewDisposeScope();
            using var other = new MarModel(TinyClass with { DifflossD = 1 });
            PyTorchPickler.PickleStateDict(path, new Hashtable { ["model"] = Pickled(other) });
            var error = Assert.ThrowsAny<Exception>(() => MarCheckpoint.LoadPublic(path, TinyClass));
            Assert.Contains("res_blocks.1", error.Message);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Patchify_and_unpatchify_are_inverse_and_group_2x2_latents_per_token()
    {
        using var scope = NewDisposeScope();
        using var model = new MarModel(TinyCaption, new MarCaptions(TinyCaption).Vocabulary.VocabularySize);
        var latents = arange(2 * 4 * 16 * 16, dtype: ScalarType.Float32).view(2, 4, 16, 16);
        var tokens = model.Patchify(latents);
        Assert.Equal([2L, 64, 16], tokens.shape);
        // Token 1 holds latent columns 2..3 of rows 0..1, channel-major as MAR's einsum nchpwq->nhwcpq.
        Assert.Equal(latents[0, 0, 0, 2].item<float>(), tokens[0, 1, 0].item<float>());
        Assert.Equal(latents[0, 0, 1, 3].item<float>(), tokens[0, 1, 3].item<float>());
        Assert.Equal(latents[0, 1, 0, 2].item<float>(), tokens[0, 1, 4].item<float>());
        Assert.True(model.Unpatchify(tokens).eq(latents).all().item<bool>());
    }

    [Fact]
    public void Sampling_max_timestep_travels_in_the_config_only_when_set()
    {
        var ours = TinyCaption with { SamplingMaxTimestep = 950 };
        Assert.Contains("\"sampling_max_timestep\": 950", ours.ToJson(), StringComparison.Ordinal);
        Assert.Equal(950, MarConfig.FromJson(ours.ToJson()).SamplingMaxTimestep);
        // Absent when null, so the architecture a run pins reads the same as before the setting existed.
        Assert.DoesNotContain("sampling_max_timestep", TinyCaption.ToJson(), StringComparison.Ordinal);
        // Fewer timesteps than the fixed step count cannot be respaced.
        Assert.Throws<ArgumentException>(() => (TinyCaption with { SamplingMaxTimestep = 5 }).Validate());
    }

    [Fact]
    public void Velocity_weight_cap_weights_the_head_loss_and_travels_in_the_config_only_when_set()
    {
        using var scope = NewDisposeScope();
        manual_seed(5);
        using var plain = new DiffLoss(channels: 4, zChannels: 8, width: 32, depth: 1);
        using var capOne = new DiffLoss(channels: 4, zChannels: 8, width: 32, depth: 1, velocityWeightCap: 1);
        using var capped = new DiffLoss(channels: 4, zChannels: 8, width: 32, depth: 1, velocityWeightCap: 50);
        capOne.load_state_dict(plain.state_dict());
        capped.load_state_dict(plain.state_dict());
        var target = randn(256, 4);
        var z = randn(256, 8);
        double Loss(DiffLoss head)
        {
            using var generator = new Generator(9);
            return head.Loss(target, z, generator: generator).item<float>();
        }
        // A cap of 1 is MAR's epsilon loss; a cap of 50 weighs the noisy timesteps up (the mean of min(1/abar, 50) is about 10).
        Assert.Equal(Loss(plain), Loss(capOne), 5);
        Assert.True(Loss(capped) > 3 * Loss(plain), $"{Loss(capped)} against {Loss(plain)}");

        var ours = TinyCaption with { VelocityWeightCap = 50 };
        Assert.Equal(50, MarConfig.FromJson(ours.ToJson()).VelocityWeightCap);
        // The public layouts have no such setting, so their config reads as before.
        Assert.DoesNotContain("velocity_weight_cap", MarConfig.MarB.ToJson(), StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => (TinyCaption with { VelocityWeightCap = 0.5 }).Validate());
    }

    [Fact]
    public void Training_reduces_the_loss_on_a_fixed_batch()
    {
        using var scope = NewDisposeScope();
        manual_seed(3);
        var captions = new MarCaptions(TinyCaption);
        using var model = new MarModel(TinyCaption, captions.Vocabulary.VocabularySize);
        var latents = randn(4, 4, 16, 16) * 0.5;
        var condition = captions.EncodeBatch(["a red circle", "a blue square", "a green star", "a yellow ring"]);
        using var optimizer = optim.AdamW(model.parameters(), 2e-3);
        double Loss(int seed)
        {
            using var inner = NewDisposeScope();
            using var generator = new Generator((ulong)seed);
            return model.Loss(latents, condition, new Random(seed), generator).item<float>();
        }
        double before = Enumerable.Range(0, 4).Average(s => Loss(100 + s));
        for (int step = 0; step < 60; step++)
        {
            using var inner = NewDisposeScope();
            optimizer.zero_grad();
            using var generator = new Generator((ulong)step);
            model.Loss(latents, condition, new Random(step), generator).backward();
            optimizer.step();
        }
        double after = Enumerable.Range(0, 4).Average(s => Loss(100 + s));
        Assert.True(after < 0.8 * before, $"loss {before:0.000} -> {after:0.000}");
    }

    [Fact]
    public void Mask_ratio_draws_stay_in_range_and_lean_towards_full_masking()
    {
        var random = new Random(5);
        var draws = Enumerable.Range(0, 2000).Select(_ => MaskRatio.Sample(random, 0.7)).ToList();
        Assert.All(draws, d => Assert.InRange(d, 0.7, 1.0));
        Assert.True(draws.Average() > 0.85, $"mean {draws.Average():0.000}");
        // MAR's cosine schedule: after iteration k of N, floor(L cos(pi/2 (k+1)/N)) tokens stay unknown.
        Assert.Equal(63, MaskRatio.NextMaskLength(0, 16, 64)); // floor(64 cos(pi/32)) = floor(63.69)
        Assert.Equal(45, MaskRatio.NextMaskLength(7, 16, 64));
        Assert.Equal(0, MaskRatio.NextMaskLength(15, 16, 64));
    }

    [Fact]
    public void Cosine_mask_schedule_trains_on_the_known_fractions_the_sampler_reaches()
    {
        // The sampler's iterations 8..15 of 16 leave 45 down to 0 of 64 tokens unknown; MAR's ratios never go under 0.7.
        var random = new Random(6);
        var draws = Enumerable.Range(0, 4000).Select(_ => MaskRatio.SampleCosine(random)).ToList();
        Assert.All(draws, d => Assert.True(d is > 0 and <= 1, $"{d}"));
        Assert.Equal(2 / Math.PI, draws.Average(), 0.02);
        double belowHalf = draws.Count(d => d < 0.5) / (double)draws.Count;
        Assert.Equal(1.0 / 3, belowHalf, 0.03); // P(cos(pi u / 2) < 1/2) = 1/3

        var ours = TinyCaption with { MaskRatioSchedule = MarConfig.CosineMaskSchedule };
        Assert.Equal(MarConfig.CosineMaskSchedule, MarConfig.FromJson(ours.ToJson()).MaskRatioSchedule);
        // Runs and public layouts without the setting keep MAR's truncated Gaussian.
        Assert.DoesNotContain("mask_ratio_schedule", TinyCaption.ToJson(), StringComparison.Ordinal);
        Assert.Null(MarConfig.FromJson(TinyCaption.ToJson()).MaskRatioSchedule);
        Assert.Throws<ArgumentException>(() => (TinyCaption with { MaskRatioSchedule = "uniform" }).Validate());

        // Training draws by the config: MAR's never leaves more than 30 % known, the cosine schedule often does.
        var marDraws = Enumerable.Range(0, 1000).Select(_ => MaskRatio.Draw(TinyCaption, random)).ToList();
        var cosineDraws = Enumerable.Range(0, 1000).Select(_ => MaskRatio.Draw(ours, random)).ToList();
        Assert.All(marDraws, d => Assert.InRange(d, TinyCaption.MaskRatioMin, 1.0));
        Assert.True(cosineDraws.Count(d => d < 0.5) > 250, $"{cosineDraws.Count(d => d < 0.5)} of 1000 under 0.5");
    }
}
