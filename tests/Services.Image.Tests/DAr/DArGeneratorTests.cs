using Media.Modeling.Sampling;
using Media.Services.Image.Data;
using Media.Services.Image.Generation;
using Media.Services.Image.TokenShuffle;
using Media.Services.Image.Training;
using Media.Tokenizers.Image.DAr;
using static TorchSharp.torch;

namespace Media.Services.Image.Tests.DAr;

/// <summary>The d-ar generator on tiny random models: one preview per token group, layout prefixes, D-AR's GPT shape.</summary>
[Collection(nameof(SingleThreadedTorch))]
public sealed class DArGeneratorTests
{
    static readonly DArTokenizerConfig TinyTokenizer = new()
    {
        ImageSize = 16, PatchSize = 8, EncoderDim = 32, EncoderLayers = 1, PostQuantLayers = 1, HeadDim = 16,
        Tokens = 16, Groups = 4, CodebookSize = 24, DecoderPatchSize = 4, DecoderDim = 32, DecoderDepth = 1,
    };

    static DArGenerator Create()
    {
        manual_seed(3);
        var config = DArTraining.ConfigFor(new TokenShuffleTrainingOptions { Dim = 32, Layers = 1, Heads = 2, TextLength = 8 }, TinyTokenizer, "test") with { MultipleOf = 16 };
        var model = new TokenShuffleModel(config);
        model.eval();
        var tokenizer = new DArTokenizer(TinyTokenizer);
        // Wake the zero-initialised parts (output projection, adaLN, layer-scale gates) so the codes reach the pixels.
        using (no_grad())
            foreach (var (name, p) in tokenizer.named_parameters())
                if (name.StartsWith("diff_decoder", StringComparison.Ordinal) || name.Contains("gate")) p.normal_(0, 0.1);
        tokenizer.eval();
        return new DArGenerator(model, tokenizer, maxConcurrent: 2);
    }

    [Fact]
    public void The_gpt_is_llamagen_with_1d_rope_over_the_token_sequence()
    {
        var config = DArTraining.ConfigFor(new TokenShuffleTrainingOptions { TextLength = 8 }, TinyTokenizer, "sha");
        Assert.Equal((1, 1, 16), (config.Shuffle, config.Transformer.Rope.Axes, config.Windows));
        Assert.Equal(0, config.Transformer.Rope.PrefixLength);
        Assert.Equal(1, TokenShuffleConfig.DArGptL.Transformer.Rope.Axes);
        // Token-Shuffle's own configs stay 2D and do not write the new field.
        Assert.Equal(2, TinyShuffle().Transformer.Rope.Axes);
        Assert.DoesNotContain("rope_axes", TinyShuffle().ToJson());
    }

    static TokenShuffleConfig TinyShuffle() => new() { Dim = 32, NLayer = 1, NHead = 2, CodebookSize = 24, GridSize = 4, Shuffle = 2, ConditionLength = 2, ConditionVocabSize = 4 };

    [Fact]
    public async Task Sends_a_preview_after_every_group_but_the_last_and_reports_every_token()
    {
        using var generator = Create();
        var progress = new List<GenerationProgress>();
        var request = new ImageRequest("a red circle") { Sampling = new() { Temperature = 1.0, TopK = 10, Seed = 5 } };
        var (image, previews) = await generator.GenerateWithPreviewsAsync(request, null, p => { progress.Add(p); return ValueTask.CompletedTask; }, CancellationToken.None);
        Assert.Equal((16, 16), (image.Width, image.Height));
        Assert.Equal(Enumerable.Range(1, 16), progress.Select(p => p.Window));
        Assert.Equal(new[] { 4, 8, 12 }, progress.Where(p => p.Preview is not null).Select(p => p.Window));
        Assert.Equal(4, previews.Count);
        // The same seed gives the same image.
        var again = await generator.GenerateAsync(request, null, null, CancellationToken.None);
        Assert.Equal(image.Pixels.ToArray(), again.Pixels.ToArray());
    }

    [Fact]
    public async Task A_layout_prefix_fixes_the_first_tokens_and_changes_the_image()
    {
        using var generator = Create();
        var reference = RgbImage.Filled(40, 40, 250, 10, 10);
        var prefix = generator.ReferenceTokens(reference, 2);
        Assert.Equal(8, prefix.Length);
        Assert.Throws<ArgumentException>(() => generator.ReferenceTokens(reference, 5));
        var request = new ImageRequest("a red circle") { Sampling = new() { Temperature = 1.0, TopK = 10, Seed = 5 } };
        var free = await generator.GenerateAsync(request, null, null, CancellationToken.None);
        var fixedLayout = await generator.GenerateAsync(request, prefix, null, CancellationToken.None);
        Assert.NotEqual(free.Pixels.ToArray(), fixedLayout.Pixels.ToArray());
    }

    [Fact]
    public void Forced_windows_are_taken_as_given_then_sampling_resumes()
    {
        manual_seed(1);
        using var model = new TokenShuffleModel(TinyShuffle() with { Shuffle = 1 });
        var forced = new[] { new long[] { 3 }, new long[] { 7 } };
        using var request = new TokenShuffleRequest(model, [0, 3], [0, 3], new ImageRequest("x") { GuidanceScale = 1.0 }, GuidanceSchedule.Linear(1, 4), forced);
        var logits = zeros(1, 1, 24);
        request.Accept(logits);
        request.Accept(logits);
        request.Accept(logits);
        Assert.Equal(new long[] { 3, 7 }, request.Windows.Take(2).Select(w => w[0]));
        Assert.Equal(3, request.Windows.Count);
        Assert.Throws<ArgumentException>(() => new TokenShuffleRequest(model, [0, 3], [0, 3], new ImageRequest("x"), null, [[99]]));
    }
}
