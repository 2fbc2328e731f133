using Media.Modeling.Diffusion;
using Media.Tokenizers.Image.DAr;
using TorchSharp;
using static TorchSharp.torch;

namespace Media.Tokenizers.Tests.Image.DAr;

/// <summary>D-AR's sequential diffusion tokenizer: the encoder's attention rule, shapes, group → step, causality, round trips.</summary>
public sealed class DArTokenizerTests
{
    internal static readonly DArTokenizerConfig Tiny = new()
    {
        ImageSize = 16, PatchSize = 8, EncoderDim = 32, EncoderLayers = 2, PostQuantLayers = 1, HeadDim = 16,
        Tokens = 8, Groups = 4, CodebookSize = 16, DecoderPatchSize = 4, DecoderDim = 32, DecoderDepth = 2,
    };

    [Fact]
    public void Encoder_mask_lets_patches_see_patches_and_query_i_see_patches_and_queries_up_to_i()
    {
        using var scope = NewDisposeScope();
        manual_seed(0);
        using var model = new DArTokenizer(Tiny);
        int patches = 4, queries = 8;
        var mask = model.EncoderMask();
        Assert.Equal(new long[] { patches + queries, patches + queries }, mask.shape);
        for (int i = 0; i < patches + queries; i++)
            for (int j = 0; j < patches + queries; j++)
            {
                bool expected = j < patches || (i >= patches && j <= i);
                Assert.True(expected == mask[i, j].item<bool>(), $"row {i}, key {j}: expected {expected}");
            }
    }

    [Fact]
    public void Shapes_follow_the_config()
    {
        using var scope = NewDisposeScope();
        manual_seed(0);
        using var model = new DArTokenizer(Tiny);
        var images = rand(3, 3, 16, 16) * 2 - 1;
        var latents = model.EncodeLatents(images);
        Assert.Equal(new long[] { 3, 8, 1, 8 }, latents.shape);
        var codes = model.Encode(images);
        Assert.Equal(new long[] { 3, 8 }, codes.shape);
        Assert.True(codes.min().item<long>() >= 0 && codes.max().item<long>() < 16);
        var conditions = model.ConditionsOfCodes(codes);
        Assert.Equal(new long[] { 3, 8, 32 }, conditions.shape);
        Assert.Equal(new long[] { 3, 2, 32 }, model.GroupConditions(conditions, 3).shape);
        var v = model.Velocity(randn(3, 3, 16, 16), rand(3), model.GroupConditions(conditions, 1));
        Assert.Equal(new long[] { 3, 3, 16, 16 }, v.shape);
        Assert.Equal(new long[] { 3, 3, 16, 16 }, model.Decode(codes, randn(3, 3, 16, 16)).shape);
    }

    [Fact]
    public void Query_i_is_blind_to_later_queries_and_condition_j_to_later_codes()
    {
        using var scope = NewDisposeScope();
        manual_seed(0);
        using var model = new DArTokenizer(Tiny);
        // Wake the zero-initialised layer-scale gates so the blocks do something.
        using (no_grad())
            foreach (var (name, p) in model.named_parameters())
                if (name.Contains("gate")) p.fill_(1);
        var codes = randint(0, 16, [2, 8], ScalarType.Int64);
        var changed = codes.clone();
        changed.select(1, 5).copy_((codes.select(1, 5) + 1) % 16);
        var a = model.ConditionsOfCodes(codes);
        var b = model.ConditionsOfCodes(changed);
        Assert.True(a.narrow(1, 0, 5).allclose(b.narrow(1, 0, 5), rtol: 1e-5, atol: 1e-6), "conditions before token 5 moved");
        Assert.False(a.narrow(1, 5, 1).allclose(b.narrow(1, 5, 1)), "condition 5 ignores its own code");
        // A prefix of the codes gives the same conditions as the whole (what streaming decoding relies on).
        Assert.True(model.ConditionsOfCodes(codes.narrow(1, 0, 4)).allclose(a.narrow(1, 0, 4), rtol: 1e-5, atol: 1e-6));
    }

    [Fact]
    public void Time_t_conditions_group_round_tG_and_the_sampler_step_i_reads_group_i()
    {
        using var scope = NewDisposeScope();
        var t = tensor(new[] { 0.0f, 0.06f, 0.2f, 0.25f, 0.49f, 0.51f, 0.9f, 0.999f });
        Assert.Equal(new long[] { 0, 0, 1, 1, 2, 2, 3, 3 }, DArTokenizer.GroupOfTime(t, 4).data<long>().ToArray());
        for (int i = 0; i < 4; i++)
            Assert.Equal(i, DArTokenizer.GroupOfTime(tensor(new[] { (float)i / 4 }), 4).item<long>());
        using var model = new DArTokenizer(Tiny);
        var schedule = model.Schedule();
        Assert.Equal(5, schedule.Length);
        Assert.Equal(FlowMatching.Shift(0.25, 2), schedule[1], 12);
        Assert.Equal(1.0, schedule[^1], 12);
    }

    [Fact]
    public void Step_decoder_gives_one_preview_per_group_and_the_last_step_matches_decode()
    {
        using var scope = NewDisposeScope();
        manual_seed(0);
        using var model = new DArTokenizer(Tiny);
        using (no_grad())
            foreach (var (name, p) in model.named_parameters())
                if (name.Contains("conv_out")) p.normal_(0, 0.02);
        var codes = randint(0, 16, [2, 8], ScalarType.Int64);
        var noise = randn(2, 3, 16, 16, generator: new Generator(3));
        using var decoder = new DArStepDecoder(model, noise);
        for (int g = 0; g < 4; g++)
        {
            // Step g only needs the codes of groups 0..g.
            var preview = decoder.Step(codes.narrow(1, 0, 2 * (g + 1)));
            Assert.Equal(new long[] { 2, 3, 16, 16 }, preview.shape);
            Assert.True(preview.abs().max().item<float>() <= 1f);
        }
        Assert.Throws<InvalidOperationException>(() => decoder.Step(codes));
        Assert.True(decoder.Image().allclose(model.Decode(codes, noise), atol: 1e-5));
    }

    [Fact]
    public void A_training_step_has_finite_bounded_gradients()
    {
        using var scope = NewDisposeScope();
        manual_seed(0);
        using var model = new DArTokenizer(new DArTokenizerConfig());
        var images = rand(4, 3, 64, 64) * 2 - 1;
        var q = model.Quantizer.call(model.EncodeLatents(images));
        var cond = model.GroupConditions(model.Conditions(q.Quantized), 1);
        var t = full(4, 0.3f);
        var x0 = randn(4, 3, 64, 64);
        var xt = FlowMatching.Interpolate(x0, images * 0.6, t);
        var loss = FlowMatching.Loss(model.Velocity(xt, t, cond), x0, images * 0.6).mean() + q.Loss;
        loss.backward();
        var norms = model.named_parameters().Where(np => np.parameter.grad is not null)
            .Select(np => (np.name, norm: (double)np.parameter.grad!.norm().item<float>())).OrderByDescending(x => x.norm).ToList();
        Assert.True(norms.All(n => double.IsFinite(n.norm) && n.norm < 10), string.Join("\n", norms.Take(25).Select(n => $"{n.name}: {n.norm}")));
    }

    [Fact]
    public void The_repa_projector_is_built_only_when_configured_keeps_its_weights_in_the_folder_and_leaves_decoding_alone()
    {
        using var scope = NewDisposeScope();
        manual_seed(0);
        using var plain = new DArTokenizer(Tiny);
        using var withRepa = new DArTokenizer(Tiny with { RepaDim = 24 });
        Assert.DoesNotContain(plain.state_dict().Keys, k => k.Contains("repa_out", StringComparison.Ordinal));
        var state = withRepa.state_dict();
        // D-AR's keys and layout: Linear(d, 4d) - SiLU - Linear(4d, 4d) - SiLU - Linear(4d, repa_dim).
        Assert.Equal(new long[] { 128, 32 }, state["diff_decoder.repa_out.0.weight"].shape);
        Assert.Equal(new long[] { 128, 128 }, state["diff_decoder.repa_out.2.weight"].shape);
        Assert.Equal(new long[] { 24, 128 }, state["diff_decoder.repa_out.4.weight"].shape);

        // The same weights elsewhere decode the same: the projector is read by training only.
        withRepa.load_state_dict(plain.state_dict(), strict: false);
        var images = rand(2, 3, 16, 16) * 2 - 1;
        var codes = plain.Encode(images);
        var noise = randn(2, 3, 16, 16);
        Assert.True(withRepa.Decode(codes, noise).allclose(plain.Decode(codes, noise), atol: 1e-6));
        var conditions = plain.GroupConditions(plain.ConditionsOfCodes(codes), 2);
        var (velocity, projection) = withRepa.VelocityAndRepa(noise, full(2, 0.4f), conditions);
        Assert.True(velocity.allclose(plain.Velocity(noise, full(2, 0.4f), conditions), atol: 1e-6));
        Assert.Equal(new long[] { 2, 16, 24 }, projection.shape);
        Assert.Throws<InvalidOperationException>(() => plain.VelocityAndRepa(noise, full(2, 0.4f), conditions));

        string folder = Path.Combine(Path.GetTempPath(), "dar-repa-" + Guid.NewGuid().ToString("N"));
        try
        {
            DArTokenizerFolder.Save(withRepa, folder);
            using var loaded = DArTokenizerFolder.Load(folder);
            Assert.Equal(24, loaded.Config.RepaDim);
            Assert.True(loaded.state_dict()["diff_decoder.repa_out.4.weight"].allclose(state["diff_decoder.repa_out.4.weight"].to(ScalarType.Float16).to(ScalarType.Float32)));
        }
        finally
        {
            if (Directory.Exists(folder)) Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public void A_config_written_before_repa_reads_as_one_without_a_projector()
    {
        string path = Path.Combine(Path.GetTempPath(), "dar-config-" + Guid.NewGuid().ToString("N") + ".json");
        try
        {
            // What config.json held before repa_dim existed.
            File.WriteAllText(path, """{"image_size": 64, "patch_size": 8, "decoder_depth": 4, "tokens": 64, "groups": 8}""");
            var config = DArTokenizerFolder.ReadConfig(path);
            Assert.Equal(0, config.RepaDim);
            Assert.Equal(2, config.RepaBlock);
        }
        finally
        {
            File.Delete(path);
        }
    }
}
