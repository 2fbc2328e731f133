using Media.Services.Image.Training;
using Media.Services.Image.Training.Perceptual;
using Media.Tokenizers.Image.DAr;
using TorchSharp;
using static TorchSharp.torch;

namespace Media.Services.Image.Tests.Training;

/// <summary>D-AR's tokenizer loss with the scene feature network standing in for LPIPS and REPA's DINOv2.</summary>
[Collection(nameof(SingleThreadedTorch))]
public sealed class DArTokenizerObjectiveTests
{
    // 16 px scenes, a 4 x 4 decoder grid: the feature network's third stage (64 channels) is 4 x 4 there.
    static readonly DArTokenizerConfig Tiny = new()
    {
        ImageSize = 16, PatchSize = 8, EncoderDim = 32, EncoderLayers = 2, PostQuantLayers = 1, HeadDim = 16,
        Tokens = 8, Groups = 4, CodebookSize = 16, DecoderPatchSize = 4, DecoderDim = 32, DecoderDepth = 2, RepaDim = 64,
    };

    static SceneFeatureNet Features() => new(new SceneFeatureConfig().ShapeClasses, new SceneFeatureConfig().ColourClasses);

    static Tensor Images(int seed) => rand(4, 3, 16, 16, generator: new Generator((ulong)seed)) * 2 - 1;

    [Theory]
    [InlineData(4, 2)]    // 16 x 16 grid: the stage at 16 px
    [InlineData(8, 3)]    // 8 x 8: the last stage
    [InlineData(2, 1)]    // 32 x 32: the stage at 32 px
    [InlineData(16, 3)]   // 4 x 4: no stage that coarse; the last one, pooled
    public void Repa_aligns_with_the_coarsest_feature_stage_at_least_as_fine_as_the_decoder_grid(int decoderPatch, int stage) =>
        Assert.Equal(stage, DArTokenizerObjective.RepaStage(new DArTokenizerConfig { DecoderPatchSize = decoderPatch }));

    [Fact]
    public void Repa_targets_are_that_stages_features_in_the_decoders_row_major_token_order()
    {
        using var scope = NewDisposeScope();
        manual_seed(1);
        using var model = new DArTokenizer(Tiny);
        using var net = Features();
        var objective = new DArTokenizerObjective(model, features: net);
        var images = Images(2);
        var targets = objective.RepaTargets(images);
        Assert.Equal(new long[] { 4, 16, 64 }, targets.shape);
        var stage = net.Features(images)[2];
        Assert.Equal(new long[] { 4, 64, 4, 4 }, stage.shape);
        for (int row = 0; row < 4; row++)
            for (int column = 0; column < 4; column++)
                Assert.True(targets[1, row * 4 + column].allclose(stage[1, TensorIndex.Colon, row, column]), $"cell ({row}, {column})");
    }

    [Fact]
    public void Repa_needs_a_projector_as_wide_as_the_aligned_stage()
    {
        using var scope = NewDisposeScope();
        manual_seed(1);
        using var net = Features();
        using var plain = new DArTokenizer(Tiny with { RepaDim = 0 });
        using var narrow = new DArTokenizer(Tiny with { RepaDim = 32 });
        Assert.Throws<ArgumentException>(() => new DArTokenizerObjective(plain, features: net));
        Assert.Throws<ArgumentException>(() => new DArTokenizerObjective(narrow, features: net));
        // Without REPA, the feature network is LPIPS's stand-in only and no projector is needed.
        using var loss = new DArTokenizerObjective(plain, new DArTokenizerObjectiveOptions { RepaWeight = 0 }, net).Loss(Images(3), 1, new Generator(4));
        Assert.True(float.IsFinite(loss.item<float>()));
    }

    [Fact]
    public void Training_with_repa_aligns_the_decoders_projection_with_the_feature_network()
    {
        using var scope = NewDisposeScope();
        manual_seed(5);
        using var model = new DArTokenizer(Tiny);
        using var net = Features();
        var objective = new DArTokenizerObjective(model, new DArTokenizerObjectiveOptions { RestartEvery = 0 }, net);
        var images = Images(6);
        var targets = objective.RepaTargets(images);
        double Alignment()
        {
            using var inner = NewDisposeScope();
            using var noGrad = no_grad();
            var conditions = model.GroupConditions(model.Conditions(model.Quantizer.call(model.EncodeLatents(images)).Quantized), 1);
            var (_, projection) = model.VelocityAndRepa(randn(images.shape, generator: new Generator(7)), full(4, 0.5f), conditions);
            return nn.functional.cosine_similarity(projection, targets, dim: -1).mean().item<float>();
        }
        double before = Alignment();
        using var optimizer = optim.Adam(model.parameters(), lr: 3e-3);
        using var generator = new Generator(8);
        for (int step = 1; step <= 40; step++)
        {
            using var inner = NewDisposeScope();
            optimizer.zero_grad();
            objective.Loss(images, step, generator).backward();
            optimizer.step();
        }
        double after = Alignment();
        Assert.True(after > before + 0.3 && after > 0.5, $"cosine to the feature network's stage: {before:0.000} before, {after:0.000} after 40 steps");
    }
}
