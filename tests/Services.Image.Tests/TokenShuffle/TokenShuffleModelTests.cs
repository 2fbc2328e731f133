using Media.Services.Image.TokenShuffle;
using static TorchSharp.torch;

namespace Media.Services.Image.Tests.TokenShuffle;

public class TokenShuffleModelTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(4)]
    public void Cached_decoding_window_by_window_equals_the_full_forward(int s)
    {
        using var scope = NewDisposeScope();
        manual_seed(7);
        using var model = new TokenShuffleModel(TinyModels.Config(s));
        model.eval();
        var config = model.Config;
        var condition = randint(0, config.ConditionVocabSize, [2, config.ConditionLength], dtype: ScalarType.Int64);
        var codes = randint(0, config.CodebookSize, [2, config.GridSize, config.GridSize], dtype: ScalarType.Int64);
        using var noGrad = no_grad();
        var full = model.forward(condition, codes);                                 // [2, W, s², K]

        var windows = WindowOrder.Shuffle(codes, s);
        using var cache = model.Transformer.CreateCache(2);
        var slots = cache.Allocate(2).Slots;
        var hidden = model.Transformer.HiddenCached(model.EmbedCondition(condition), cache, slots);
        var steps = new List<Tensor> { model.WindowLogits(hidden.narrow(1, config.ConditionLength - 1, 1)) };
        for (int w = 0; w + 1 < config.Windows; w++)
        {
            hidden = model.Transformer.HiddenCached(model.EmbedWindows(windows.narrow(1, w, 1)), cache, slots);
            steps.Add(model.WindowLogits(hidden));
        }
        var cached = cat(steps, 1);
        Assert.Equal(full.shape, cached.shape);
        double error = (full - cached).abs().max().item<float>();
        Assert.True(error < 1e-4, $"max |full - cached| = {error}");
    }

    [Fact]
    public void Logits_cover_every_code_of_every_window_and_the_loss_is_their_mean_cross_entropy()
    {
        using var scope = NewDisposeScope();
        manual_seed(3);
        using var model = new TokenShuffleModel(TinyModels.Config(2));
        var config = model.Config;
        var condition = randint(0, config.ConditionVocabSize, [3, config.ConditionLength], dtype: ScalarType.Int64);
        var codes = randint(0, config.CodebookSize, [3, config.GridSize, config.GridSize], dtype: ScalarType.Int64);
        var logits = model.forward(condition, codes);
        Assert.Equal(new long[] { 3, 4, 4, config.CodebookSize }, logits.shape);

        // Naive reference: -log softmax at the target, averaged over every code of every window.
        var logProbs = logits.log_softmax(-1).data<float>().ToArray();
        var targets = WindowOrder.Shuffle(codes, 2).data<long>().ToArray();
        double sum = 0;
        for (int i = 0; i < targets.Length; i++) sum -= logProbs[i * config.CodebookSize + targets[i]];
        Assert.Equal(sum / targets.Length, model.Loss(condition, codes).item<float>(), 4);
    }

    [Fact]
    public void A_saved_model_folder_loads_back_with_the_same_outputs()
    {
        using var scope = NewDisposeScope();
        manual_seed(5);
        using var model = new TokenShuffleModel(TinyModels.Config(2));
        model.eval();
        string dir = Path.Combine(Path.GetTempPath(), "ts-" + Guid.NewGuid().ToString("N"));
        try
        {
            TokenShuffleCheckpoint.Save(model, dir);
            using var loaded = TokenShuffleCheckpoint.Load(dir);
            Assert.Equal(model.Config with { }, loaded.Config with { });
            var condition = randint(0, 11, [1, 5], dtype: ScalarType.Int64);
            var codes = randint(0, 24, [1, 4, 4], dtype: ScalarType.Int64);
            using var noGrad = no_grad();
            double error = (model.forward(condition, codes) - loaded.forward(condition, codes)).abs().max().item<float>();
            Assert.True(error < 2e-2, $"fp16 round trip changed the logits by {error}");
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }
}
