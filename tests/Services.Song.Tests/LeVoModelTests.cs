using Media.Modeling.Checkpoints;
using Media.Services.Song.LeVo;
using Media.Services.Song.Lyrics;
using TorchSharp;
using static TorchSharp.torch;

namespace Media.Services.Song.Tests;

public sealed class LeVoModelTests
{
    internal static LeVoConfig Tiny(int promptTokens = 0) => new()
    {
        CodeSize = 16, Dim = 32, Layers = 2, SubLayers = 1, Heads = 4, Delay = 2, MaxTokens = 40, MaxLyricsTokens = 128,
        MaxDescriptionBytes = 64, PromptTokens = promptTokens,
    };

    internal static LeLmModel Create(LeVoConfig config, int seed = 3)
    {
        lock (typeof(LeVoModelTests))
        {
            manual_seed(seed);
            var model = new LeLmModel(config);
            model.eval();
            return model;
        }
    }

    internal static LeVoCondition Condition(LeVoConfig config, string lyrics = "[verse]\nwe sing of the sea\n[chorus]\nthe sea\n", string description = "ballad, calm, 90 bpm") =>
        LeVoCondition.Of(config, description, LyricsTokenizer.Encode(lyrics));

    static Tensor RandomSteps(LeVoConfig config, int batch, int steps, int seed) =>
        randint(0, config.InputVocabulary, [batch, 3, steps], generator: new Generator((ulong)seed), dtype: ScalarType.Int64);

    [Fact]
    public void The_dual_tracks_trail_the_mix_by_the_delay_after_an_all_special_start_step()
    {
        var layout = new LeVoTokenLayout(tokens: 3, delay: 2, special: 99);
        Assert.Equal(6, layout.Steps);
        var steps = layout.Arrange([10, 11, 12], [20, 21, 22], [30, 31, 32]);
        Assert.Equal([99, 10, 11, 12, 99, 99], steps[0]);
        Assert.Equal([99, 99, 99, 20, 21, 22], steps[1]);
        Assert.Equal([99, 99, 99, 30, 31, 32], steps[2]);
        Assert.Null(layout.TokenAt(1, 2));
        Assert.Equal(0, layout.TokenAt(2, 3));
    }

    [Fact]
    public void Each_lyrics_token_carries_the_section_it_belongs_to()
    {
        var ids = LyricsTokenizer.Encode("[verse]\nla la\n[chorus]\noh\n");
        var structure = LeVoConditionProvider.Structure(ids);
        // start (no section), [verse] l a space l a, [chorus] o h, end (still the chorus)
        Assert.Equal([0, 1, 1, 1, 1, 1, 1, 2, 2, 2, 2], structure);
        Assert.Equal(0, LeVoConditionProvider.Structure([LyricsTokenizer.Pad])[0]);
    }

    [Fact]
    public void A_step_never_sees_later_steps_and_the_sub_decoder_reads_the_mix()
    {
        using var noGrad = no_grad();
        var config = Tiny();
        using var model = Create(config);
        var condition = Condition(config);
        var steps = RandomSteps(config, 1, 9, 5);
        var (mixed, dual) = model.Forward(steps, [condition]);
        Assert.Equal([1, 9, config.OutputVocabulary], mixed.shape);
        Assert.Equal([1, 9, 2, config.OutputVocabulary], dual!.shape);

        var later = steps.clone();
        later[0, .., 6..] = randint(0, config.InputVocabulary, [3, 3], generator: new Generator(9), dtype: ScalarType.Int64);
        var (mixed2, dual2) = model.Forward(later, [condition]);
        Assert.True(mixed.narrow(1, 0, 6).allclose(mixed2.narrow(1, 0, 6), 1e-5, 1e-5));
        Assert.True(dual.narrow(1, 0, 6).allclose(dual2!.narrow(1, 0, 6), 1e-5, 1e-5));
        Assert.False(mixed.narrow(1, 6, 3).allclose(mixed2.narrow(1, 6, 3), 1e-5, 1e-5));

        // Changing only the mixed stream at step 4 changes the dual logits from step 4 on: the sub-decoder reads the LM's states.
        var mix = steps.clone();
        mix[0, 0, 4] = (mix[0, 0, 4].item<long>() + 1) % config.CodeSize;
        var (_, dual3) = model.Forward(mix, [condition]);
        Assert.True(dual.narrow(1, 0, 4).allclose(dual3!.narrow(1, 0, 4), 1e-5, 1e-5));
        Assert.False(dual.narrow(1, 4, 1).allclose(dual3.narrow(1, 4, 1), 1e-5, 1e-5));

        var (other, _) = model.Forward(steps, [Condition(config, "[verse]\nwe fly to the moon\n")]);
        Assert.False(mixed.allclose(other, 1e-4, 1e-4));
    }

    [Fact]
    public void Rows_of_a_batch_give_what_they_give_alone_up_to_the_prefix_padding()
    {
        using var noGrad = no_grad();
        var config = Tiny();
        using var model = Create(config);
        var a = Condition(config);
        var steps = RandomSteps(config, 2, 7, 6);
        var (together, _) = model.Forward(steps, [a, a]);
        var (alone, _) = model.Forward(steps.narrow(0, 1, 1), [a]);
        Assert.True(together.narrow(0, 1, 1).allclose(alone, 1e-5, 1e-5));
        // The unconditional row (null) is padded to the conditional one's prefix and still predicts every step.
        var (pair, _) = model.Forward(steps, [a, null]);
        Assert.Equal(together.shape, pair.shape);
        Assert.Equal(model.Conditions.PrefixLength([a, null]), model.Conditions.PrefixLength([a]));
        // Padding goes in front: the unconditional row ends exactly as it does alone.
        var (both, _) = model.Conditions.Prefix([a, null], CPU);
        var (nullAlone, _) = model.Conditions.Prefix([null], CPU);
        Assert.Equal(model.Conditions.PrefixLength([a]), (int)both.shape[1]);
        Assert.True(both[1, (int)(both.shape[1] - nullAlone.shape[1])..].allclose(nullAlone[0]));
    }

    [Fact]
    public void Random_tensors_in_levos_released_layout_load_and_read_back_unchanged()
    {
        using var noGrad = no_grad();
        var config = Tiny(promptTokens: 5);
        using var source = Create(config, seed: 7);
        var layout = LeVoCheckpoint.ToLeVoLayout(source);
        foreach (var key in new[]
        {
            "audiolm.emb.0.weight", "audiolm.layer2_emb.2.weight", "audiolm.mlp.0.weight", "audiolm.mlp.2.bias", "audiolm.linears.1.weight",
            "audiolm.transformer.model.layers.1.self_attn.q_proj.weight", "audiolm.transformer.model.layers.0.mlp.gate_proj.weight",
            "audiolm.transformer.model.layers.0.post_attention_layernorm.weight", "audiolm.transformer.model.norm.weight",
            "audiolm.transformer.lm_head.weight", "audiolm.transformer2.model.layers.0.self_attn.o_proj.weight", "audiolm.transformer2.model.embed_tokens.weight",
            "audiolm.condition_provider.conditioners.description.output_proj.weight", "audiolm.condition_provider.conditioners.description.structure_emb.weight",
            "audiolm.condition_provider.conditioners.type_info.output_proj.weight", "audiolm.condition_provider.conditioners.prompt_audio.emb.2.weight",
            "audiolm.condition_provider.conditioners.prompt_audio.EOT_emb", "audiolm.condition_provider.conditioners.prompt_audio.layer2_EOT_emb",
        })
            Assert.True(layout.ContainsKey(key), key);
        Assert.Equal([config.OutputVocabulary, config.Dim], layout["audiolm.transformer.lm_head.weight"].shape);
        Assert.Equal([config.Dim, 2 * config.Dim], layout["audiolm.mlp.0.weight"].shape);
        Assert.DoesNotContain(layout.Keys, k => k.Contains("wqkv", StringComparison.Ordinal) || k.Contains("feed_forward", StringComparison.Ordinal));

        // LeVo's file also holds out_norm, built and never used: dropped by name.
        var file = new Dictionary<string, Tensor>(layout)
        {
            ["audiolm.out_norm.weight"] = ones(config.Dim), ["audiolm.out_norm.bias"] = zeros(config.Dim),
        };
        using var target = Create(config, seed: 8);
        LeVoCheckpoint.LoadLeVoLayout(target, file);
        var condition = Condition(config);
        var steps = RandomSteps(config, 1, 6, 2);
        var (m1, d1) = source.Forward(steps, [condition]);
        var (m2, d2) = target.Forward(steps, [condition]);
        Assert.True(m1.allclose(m2) && d1!.allclose(d2!));
    }

    [Fact]
    public void A_layer_part_levo_does_not_have_is_refused_by_name()
    {
        var config = Tiny();
        using var source = Create(config);
        var layout = LeVoCheckpoint.ToLeVoLayout(source);
        layout["audiolm.transformer.model.layers.0.self_attn.q_proj.bias"] = zeros(config.Dim);
        using var target = Create(config, seed: 4);
        var error = Assert.ThrowsAny<Exception>(() => LeVoCheckpoint.LoadLeVoLayout(target, layout));
        Assert.Contains("q_proj.bias", error.Message);
        layout.Remove("audiolm.transformer.model.layers.0.self_attn.q_proj.bias");
        layout.Remove("audiolm.linears.0.weight");
        error = Assert.ThrowsAny<Exception>(() => LeVoCheckpoint.LoadLeVoLayout(target, layout));
        Assert.Contains("linears.0.weight", error.Message);
    }

    [Fact]
    public void A_saved_folder_loads_to_the_same_model()
    {
        using var noGrad = no_grad();
        var config = Tiny() with { LmSteps = 5, DecoderSteps = 3 };
        using var model = Create(config);
        string folder = Path.Combine(Path.GetTempPath(), "levo-" + Guid.NewGuid().ToString("N"));
        try
        {
            LeVoCheckpoint.Save(folder, model, config);
            Assert.Equal(config, LeVoCheckpoint.ReadConfig(folder));
            using var loaded = LeVoCheckpoint.Load(folder);
            var steps = RandomSteps(config, 1, 5, 3);
            var condition = Condition(config);
            // fp16 weights: equal to the rounding of the half-precision copy.
            Assert.True(model.Forward(steps, [condition]).Mixed.allclose(loaded.Forward(steps, [condition]).Mixed, 2e-2, 2e-2));
        }
        finally
        {
            Directory.Delete(folder, true);
        }
    }

    [Fact]
    public void An_explicit_intermediate_size_round_trips_and_configs_without_one_are_written_as_before()
    {
        var released = Tiny() with { IntermediateSize = 96 };
        var read = LeVoConfig.FromJson(released.ToJson());
        Assert.Equal(released, read);
        Assert.Equal(96, read.Main.FeedForwardHidden);
        // Run folders pin their config's JSON: one written before the field existed must still compare equal.
        Assert.DoesNotContain("intermediate_size", SongGenModelTests.Tiny("mixed").ToJson(), StringComparison.Ordinal);
    }
}
