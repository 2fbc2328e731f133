using Media.Services.Image.Data;
using Media.Services.Image.Evaluation;
using Media.Services.Image.Generation;
using Media.Services.Image.LatentDiffusion;
using Media.Tokenizers.Image;
using static TorchSharp.torch;

namespace Media.Services.Image.Tests.ModelCards;

/// <summary>
/// Each committed image model still meets the headline figure of its MODEL_CARD.md on a small sample,
/// against a threshold between the card's figure and what a broken model gives. (image-vq's PSNR is
/// guarded by the CLI's eval test, Cli.Tests ImageVqEvalCommandTests.)
/// </summary>
[Collection(SingleThreadedTorch.Name)]
public sealed class CommittedImageModelCardTests
{
    [Fact]
    [Slow("committed-model inference: draws 20 images")]
    public async Task Token_shuffle_draws_the_asked_colours_on_held_out_prompts()
    {
        // models/token-shuffle/MODEL_CARD.md: colour accuracy 0.930 / 0.920 on 200 held-out prompts (target 0.80), measured
        // by `media eval image-ar` with these sampling settings (its defaults); a model whose tokenizer scrambled the
        // images scored 0.025-0.035 (the card's history). Twenty prompts vary more than 200, hence 0.6.
        using var generator = TokenShuffleGenerator.Load(CommittedModels.Path("token-shuffle"), CommittedModels.Path("image-vq"), CPU, maxConcurrent: 4);
        var samples = new CaptionedImageGenerator(generator.ImageSize).Take(DataSplit.HeldOut, 20).ToList();
        var images = await Task.WhenAll(samples.Select((sample, i) => generator.GenerateAsync(new ImageRequest(sample.Caption)
        {
            GuidanceScale = ImageRequest.DefaultGuidance,
            Sampling = new() { Temperature = 1.0, TopK = 100, Seed = (ulong)i },
        }, null, CancellationToken.None)));
        var report = new EvaluationReport();
        for (int i = 0; i < samples.Count; i++) report.Add(PromptEvaluator.Evaluate(images[i], samples[i].Prompt));

        double? colour = report.Accuracy(Criterion.Color);
        Assert.NotNull(colour);
        Assert.True(colour >= 0.6, $"colour accuracy {colour:F3} on 20 held-out prompts ({report.Asked(Criterion.Color)} objects asked); the card's is 0.930");
    }

    [Fact]
    [Slow("committed-model inference: encodes and decodes 40 scenes")]
    public void Image_vq_keeps_small_shapes_and_paints_no_specks_beside_objects()
    {
        // models/image-vq/MODEL_CARD.md: reconstruction shape accuracy 0.800 and 0.27 stray pixels a scene on 200 held-out
        // scenes (`media eval image-vq`). The tokenizer before the object margin drew small shapes as blobs and a speck above
        // right of objects: 0.300 and 2.23 on these 40 scenes, against 0.750 and 0.00 for the current one.
        using var model = VqModelFolder.Load(CommittedModels.Path("image-vq"));
        model.eval();
        var scenes = new CaptionedImageGenerator(64, 0).Take(DataSplit.HeldOut, 40).ToList();
        var (report, strays, _) = VqRoundTrip.Evaluate(model, scenes, 40);

        double? shape = report.Accuracy(Criterion.Shape);
        Assert.NotNull(shape);
        Assert.True(shape >= 0.6, $"reconstruction shape accuracy {shape:F3} on 40 held-out scenes; the card's is 0.800 on 200");
        Assert.True(strays.PerImage <= 1.0, $"{strays.PerImage:F2} stray pixels a scene on 40 held-out scenes; the card's is 0.27 on 200");
    }

    [Fact]
    [Slow("committed-model inference: draws 20 images of 50 DDIM steps")]
    public void Magicmix_base_model_draws_the_asked_colours_on_held_out_prompts()
    {
        // models/magicmix/MODEL_CARD.md: plain text-to-image colour accuracy 0.710 on 100 held-out prompts (50 DDIM
        // steps, guidance 3: `media eval magicmix`'s defaults and its first seed); the card's under-trained 3,000-step
        // model gave 0.520 there. Twenty prompts vary more than 100, hence 0.55.
        using var pipeline = LdmPipeline.Load(CommittedModels.Path("magicmix"), CommittedModels.Path("image-vae"), CPU);
        var samples = new CaptionedImageGenerator(pipeline.ImageSize).Take(DataSplit.HeldOut, 20).ToList();
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        using var generator = new Generator(1_000_000, CPU);
        var images = pipeline.Generate(samples.Select(s => s.Caption).ToList(), 3.0, 50, generator);
        var report = new EvaluationReport();
        for (int i = 0; i < samples.Count; i++) report.Add(PromptEvaluator.Evaluate(images[i], samples[i].Prompt));

        double? colour = report.Accuracy(Criterion.Color);
        Assert.NotNull(colour);
        Assert.True(colour >= 0.55, $"colour accuracy {colour:F3} on 20 held-out prompts ({report.Asked(Criterion.Color)} objects asked); the card's is 0.710");
    }
}
