using Media.Modeling.Checkpoints;
using Media.Services.Song.Lyrics;
using Media.Services.Song.Model;
using TorchSharp;
using static TorchSharp.torch;

namespace Media.Services.Song.Tests;

public sealed class SongGenModelTests
{
    internal static SongGenConfig Tiny(string mode, bool referenceVoice = false) => new()
    {
        Mode = mode, Codebooks = 3, CodebookSize = 16, Dim = 32, Layers = 2, Heads = 4, DescriptionLayers = 1, LyricsLayers = 1,
        MaxDescriptionBytes = 128, MaxLyricsTokens = 256, MaxFrames = 600, ReferenceVoice = referenceVoice, MaxReferenceFrames = 8,
    };

    internal static SongGenModel Create(SongGenConfig config, int seed = 3)
    {
        lock (typeof(SongGenModelTests))
        {
            manual_seed(seed);
            var model = new SongGenModel(config);
            model.eval();
            return model;
        }
    }

    internal static SongCondition Condition(string lyrics = "[verse]\nwe sing of the sea\n", string description = "soft rock, calm, 100 bpm, in C major") =>
        new(description, LyricsTokenizer.Encode(lyrics));

    internal static Tensor RandomStreams(SongGenConfig config, int batch, int steps, int seed)
    {
        var g = new Generator((ulong)seed);
        return randint(0, config.StreamVocabulary, [batch, config.Streams, steps], generator: g, dtype: ScalarType.Int64);
    }

    [Fact]
    public void Every_mode_predicts_one_distribution_per_stream_and_mixed_pro_the_vocal_codebooks_too()
    {
        using var noGrad = no_grad();
        foreach (string mode in SongModes.All)
        {
            using var scope = NewDisposeScope();
            var config = Tiny(mode);
            using var model = Create(config);
            var memory = model.Memory([Condition(), null]);
            var (logits, vocal) = model.Forward(RandomStreams(config, 2, 7, 1), memory);
            int streams = mode.StartsWith("parallel", StringComparison.Ordinal) ? 6 : 3;
            Assert.Equal(new long[] { 2, 7, streams, 18 }, logits.shape);
            if (mode == "mixed-pro") Assert.Equal(new long[] { 2, 7, 3, 18 }, vocal!.shape);
            else Assert.Null(vocal);
            Assert.Equal(streams, model.state_dict().Keys.Count(k => k.StartsWith("decoder.lm_heads.", StringComparison.Ordinal)));
        }
    }

    [Fact]
    public void A_fresh_decoders_code_embeddings_start_as_songgens_with_standard_deviation_two_hundredths()
    {
        using var model = Create(Tiny("parallel") with { Dim = 64 });
        var embeddings = model.state_dict().Where(p => p.Key.StartsWith("decoder.embed_tokens.", StringComparison.Ordinal)).Select(p => p.Value).ToList();
        Assert.Equal(6, embeddings.Count);
        foreach (var weight in embeddings)
        {
            Assert.InRange(weight.std().item<float>(), 0.017, 0.023);
            Assert.InRange(weight.mean().item<float>(), -0.005, 0.005);
        }
    }

    [Fact]
    public void A_step_never_sees_later_steps_and_the_lyrics_change_the_prediction()
    {
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        var config = Tiny("parallel-a-v");
        using var model = Create(config);
        var a = RandomStreams(config, 1, 9, 2);
        var b = a.clone();
        b[TensorIndex.Colon, TensorIndex.Colon, TensorIndex.Slice(5)] = RandomStreams(config, 1, 4, 3);
        var memory = model.Memory([Condition()]);
        var (la, _) = model.Forward(a, memory);
        var (lb, _) = model.Forward(b, memory);
        Assert.True((la.narrow(1, 0, 5) - lb.narrow(1, 0, 5)).abs().max().item<float>() < 1e-5);
        Assert.True((la.narrow(1, 5, 4) - lb.narrow(1, 5, 4)).abs().max().item<float>() > 1e-4);
        var (other, _) = model.Forward(a, model.Memory([Condition("[chorus]\nthe night is long\n")]));
        Assert.True((la - other).abs().max().item<float>() > 1e-4);
    }

    [Fact]
    public void The_memory_lays_reference_voice_description_and_lyrics_one_after_another()
    {
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        using var model = Create(Tiny("mixed", referenceVoice: true));
        int[][] clip = [[1, 2, 3, 4, 5], [6, 7, 8, 9, 10], [11, 12, 13, 14, 15]];
        var withVoice = Condition() with { ReferenceVoice = clip };
        var memory = model.Memory([withVoice, Condition(), null]);
        int lengthWith = model.MemoryLength(withVoice), lengthWithout = model.MemoryLength(Condition());
        Assert.Equal(lengthWithout + 5, lengthWith);
        Assert.Equal(new long[] { 3, lengthWith, 32 }, memory.States.shape);
        Assert.Equal(new long[] { lengthWith, lengthWithout, 1 }, memory.Mask!.sum(1).data<long>().ToArray());
        Assert.Contains(model.state_dict().Keys, k => k.StartsWith("ref_voice.ref_voice_embed.2.", StringComparison.Ordinal));
    }

    [Fact]
    public void Random_tensors_in_songgens_key_layout_load_and_read_back_unchanged()
    {
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        var config = Tiny("mixed-pro");
        using var template = Create(config, seed: 1);
        // SongGen's names and shapes for this config, every tensor replaced by fresh random values.
        var g = new Generator(77);
        var layout = SongGenCheckpoint.ToSongGenLayout(template).ToDictionary(kv => kv.Key, kv => randn(kv.Value.shape, generator: g), StringComparer.Ordinal);
        Assert.Contains("decoder.model.decoder.layers.1.encoder_attn.k_proj.weight", layout.Keys);
        Assert.Contains("decoder.model.decoder.layers.0.self_attn_layer_norm.weight", layout.Keys);
        Assert.Contains("decoder.model.decoder.embed_tokens.2.weight", layout.Keys);
        Assert.Contains("decoder.vocal_lm_heads.2.weight", layout.Keys);
        Assert.Contains("embed_prompts.weight", layout.Keys);
        Assert.Contains("enc_to_dec_proj.weight", layout.Keys);
        Assert.Equal(new long[] { 32, 32 }, layout["decoder.model.decoder.layers.0.self_attn.q_proj.weight"].shape);

        using var model = Create(config, seed: 2);
        SongGenCheckpoint.LoadSongGenLayout(model, layout);
        var back = SongGenCheckpoint.ToSongGenLayout(model);
        Assert.Equal(layout.Keys.Order(StringComparer.Ordinal), back.Keys.Order(StringComparer.Ordinal));
        foreach (var (key, value) in layout) Assert.True(value.equal(back[key]).all().item<bool>(), key);
        // q, k and v land in their rows of the fused projection.
        var wqkv = model.state_dict()["decoder.transformer.layers.1.cross_attention.wqkv.weight"];
        Assert.True(wqkv.narrow(0, 32, 32).equal(layout["decoder.model.decoder.layers.1.encoder_attn.k_proj.weight"]).all().item<bool>());
    }

    [Fact]
    public void Songgens_released_gelu_and_layernorm_shapes_are_refused_by_name()
    {
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        var config = Tiny("mixed");
        using var model = Create(config);
        var layout = SongGenCheckpoint.ToSongGenLayout(model);
        var gelu = new Dictionary<string, Tensor>(layout) { ["decoder.model.decoder.layers.0.fc1.weight"] = randn(128, 32) };
        var error = Assert.Throws<InvalidDataException>(() => SongGenCheckpoint.LoadSongGenLayout(model, gelu));
        Assert.Contains("layers.0.fc1.weight", error.Message);
        var withBias = new Dictionary<string, Tensor>(layout) { ["decoder.model.decoder.layers.1.final_layer_norm.bias"] = zeros(32) };
        var mismatch = Assert.Throws<StateDictMismatchException>(() => SongGenCheckpoint.LoadSongGenLayout(model, withBias));
        Assert.Contains("final_layer_norm.bias", mismatch.Message);
    }

    [Fact]
    public void A_training_config_writes_as_before_the_vocal_heads_flag_so_existing_run_folders_still_resume()
    {
        // Run folders pin their config's text and refuse to resume under any other.
        var config = Tiny("mixed-pro");
        Assert.DoesNotContain("vocal_heads", config.ToJson(), StringComparison.Ordinal);
        Assert.Equal(config.ToJson(), SongGenConfig.FromJson(config.ToJson()).ToJson());
        Assert.Contains("\"vocal_heads_left_out\": true", (config with { VocalHeadsLeftOut = true }).ToJson(), StringComparison.Ordinal);
        Assert.True(SongGenConfig.FromJson((config with { VocalHeadsLeftOut = true }).ToJson()).VocalHeadsLeftOut);
    }

    [Fact]
    public void A_saved_mixed_pro_folder_leaves_out_the_training_only_vocal_heads_and_serves_the_same_mix()
    {
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        var config = Tiny("mixed-pro") with { TrainedSteps = 5 };
        using var model = Create(config);
        string dir = Directory.CreateTempSubdirectory("songgen-pro-folder").FullName;
        try
        {
            SongGenCheckpoint.Save(dir, model, config);
            var written = SongGenCheckpoint.ReadConfig(dir);
            Assert.True(written.VocalHeadsLeftOut);
            Assert.Equal(config with { VocalHeadsLeftOut = true }, written);
            using var file = SafetensorsFile.Open(Path.Combine(dir, ModelFolder.WeightsFile));
            Assert.DoesNotContain(file.Keys, k => k.Contains("vocal_lm_heads", StringComparison.Ordinal));
            Assert.Contains(model.state_dict().Keys, k => k.StartsWith("decoder.vocal_lm_heads.", StringComparison.Ordinal));

            using var loaded = SongGenCheckpoint.Load(dir);
            var streams = RandomStreams(config, 1, 6, 4);
            var (a, vocal) = model.Forward(streams, model.Memory([Condition()]));
            var (b, none) = loaded.Forward(streams, loaded.Memory([Condition()]));
            Assert.NotNull(vocal);
            Assert.Null(none);
            Assert.True((a - b).abs().max().item<float>() < 0.05, "the mix heads give the same logits to rounding");
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void A_saved_folder_loads_to_the_same_model()
    {
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        var config = Tiny("interleaving-v-a") with { TrainedSteps = 5 };
        using var model = Create(config);
        string dir = Directory.CreateTempSubdirectory("songgen-folder").FullName;
        try
        {
            SongGenCheckpoint.Save(dir, model, config);
            Assert.Equal(config, SongGenCheckpoint.ReadConfig(dir));
            using var loaded = SongGenCheckpoint.Load(dir);
            var streams = RandomStreams(config, 1, 6, 4);
            var (a, _) = model.Forward(streams, model.Memory([Condition()]));
            var (b, _) = loaded.Forward(streams, loaded.Memory([Condition()]));
            Assert.True((a - b).abs().max().item<float>() < 0.05, "fp16 weights give the same logits to rounding");
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
