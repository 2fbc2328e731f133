using Media.Modeling.Diffusion;
using Media.Services.Image.Data;
using Media.Services.Image.LatentDiffusion;
using Media.Services.Image.Mar;
using Media.Services.Image.Tests.Training;
using Media.Tokenizers.Text;
using TorchSharp;
using static TorchSharp.torch;

namespace Media.Services.Image.Tests.LatentDiffusion;

/// <summary>The latent DiT starts as adaLN-Zero promises, reads its caption, round-trips its folder, and learns.</summary>
[Collection(nameof(SingleThreadedTorch))]
public sealed class LatentDiTTests
{
    internal static LdmConfig Tiny { get; } = new()
    {
        HiddenSize = 32, Depth = 2, NumHeads = 2, TextDepth = 1,
        CaptionGpt2Ids = CaptionVocabulary.FromWords(CaptionWords.All).Gpt2Ids.ToArray(),
    };

    static MarCaptions Captions(LdmConfig config) => new(new CaptionVocabulary(config.CaptionGpt2Ids), config.TextLength);

    [Fact]
    public void A_new_model_predicts_zero_noise_everywhere()
    {
        using var scope = NewDisposeScope();
        manual_seed(1);
        using var model = new LatentDiT(Tiny, Captions(Tiny).Vocabulary.VocabularySize);
        var eps = model.Forward(randn(2, 4, 16, 16), tensor(new long[] { 10, 900 }), Captions(Tiny).EncodeBatch(["a red circle", "a blue star"]));
        Assert.Equal([2L, 4, 16, 16], eps.shape);
        Assert.Equal(0, eps.abs().max().item<float>());
    }

    [Fact]
    public void The_caption_changes_the_prediction_once_trained_weights_move()
    {
        using var scope = NewDisposeScope();
        manual_seed(2);
        using var model = new LatentDiT(Tiny, Captions(Tiny).Vocabulary.VocabularySize);
        using (no_grad()) foreach (var p in model.parameters()) p.add_(randn_like(p) * 0.05);
        var x = randn(1, 4, 16, 16);
        var t = tensor(new long[] { 500 });
        var red = model.Forward(x, t, Captions(Tiny).EncodeBatch(["a red circle"]));
        var blue = model.Forward(x, t, Captions(Tiny).EncodeBatch(["a blue circle"]));
        Assert.True((red - blue).abs().max().item<float>() > 1e-4);
        // Content weights of 1 are plain attention.
        var context = model.EncodeCaption(Captions(Tiny).EncodeBatch(["a red circle"]));
        var weighted = model.Denoise(x, t, context, ones(1, Tiny.TextLength));
        Assert.True(weighted.allclose(red, rtol: 1e-4, atol: 1e-5));
    }

    [Fact]
    public void The_model_folder_round_trips_in_half_precision()
    {
        using var scope = NewDisposeScope();
        manual_seed(3);
        using var model = new LatentDiT(Tiny, Captions(Tiny).Vocabulary.VocabularySize);
        using (no_grad()) foreach (var p in model.parameters()) p.add_(randn_like(p) * 0.05);
        string directory = Path.Combine(Path.GetTempPath(), "ldm-" + Guid.NewGuid().ToString("N"));
        try
        {
            LdmCheckpoint.Save(model, directory);
            using var loaded = LdmCheckpoint.Load(directory);
            Assert.Equal(Tiny.ToJson(), loaded.Config.ToJson());
            var x = randn(1, 4, 16, 16);
            var t = tensor(new long[] { 300 });
            var ids = Captions(Tiny).EncodeBatch(["a green square"]);
            Assert.True(loaded.Forward(x, t, ids).allclose(model.Forward(x, t, ids), rtol: 0.02, atol: 2e-3));
        }
        finally { if (Directory.Exists(directory)) Directory.Delete(directory, true); }
    }

    [Fact]
    public void A_few_steps_reduce_the_epsilon_loss_on_a_tiny_batch()
    {
        using var scope = NewDisposeScope();
        manual_seed(4);
        var captions = Captions(Tiny);
        using var model = new LatentDiT(Tiny, captions.Vocabulary.VocabularySize);
        var diffusion = Tiny.CreateDiffusion();
        var latents = randn(4, 4, 16, 16) * 0.5;
        var ids = captions.EncodeBatch(["a red circle", "a blue square", "a green star", "a yellow ring"]);
        var t = tensor(new long[] { 50, 300, 600, 900 });
        var noise = randn(4, 4, 16, 16);
        double Loss()
        {
            using var inner = NewDisposeScope();
            using var noGrad = no_grad();
            using var losses = diffusion.TrainingLosses((x, s) => model.Forward(x, s, ids), latents, t, noise);
            return losses.Loss.mean().item<float>();
        }
        double before = Loss();
        using var optimizer = optim.AdamW(model.parameters(), 3e-3);
        for (int step = 0; step < 30; step++)
        {
            using var inner = NewDisposeScope();
            optimizer.zero_grad();
            using var losses = diffusion.TrainingLosses((x, s) => model.Forward(x, s, ids), latents, t, noise);
            losses.Loss.mean().backward();
            optimizer.step();
        }
        double after = Loss();
        Assert.True(after < 0.7 * before, $"loss {before:0.000} -> {after:0.000}");
    }

    [Fact]
    public void The_scaled_linear_schedule_is_stable_diffusions()
    {
        var betas = BetaSchedules.Named("scaled_linear", 1000);
        Assert.Equal(0.00085, betas[0], 12);
        Assert.Equal(0.012, betas[^1], 12);
        // sqrt(beta) is linear: the midpoint's root is the mean of the ends' roots.
        Assert.Equal((Math.Sqrt(0.00085) + Math.Sqrt(0.012)) / 2, Math.Sqrt((betas[499] + betas[500]) / 2), 4);
    }
}
