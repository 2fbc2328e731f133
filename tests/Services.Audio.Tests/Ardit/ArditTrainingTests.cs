using static TorchSharp.torch;

namespace Media.Services.Audio.Tests.Ardit;

[Collection(SingleThreadedTorch.Name)]
public sealed class ArditTrainingTests
{
    [Fact]
    [Slow("model training")]
    public void A_few_training_steps_reduce_the_flow_loss_on_text_dependent_latents()
    {
        using var scope = NewDisposeScope();
        manual_seed(2);
        var config = ArditTestModels.Tiny(4);
        using var model = new Media.Services.Audio.Speech.Ardit.ArditModel(config);
        // Synthetic "speech": each text id owns a latent vector; frame j speaks character j / 2 (two frames per character).
        var table = randn(config.VocabSize, config.LatentDim);
        var text = randint(1, config.VocabSize, [8, 6]);
        var latents = table.index_select(0, text.repeat_interleave(2, dim: 1).reshape(-1)).view(8, 12, config.LatentDim);
        long[] textLengths = [6, 6, 6, 6, 6, 6, 6, 6], frames = [12, 12, 12, 12, 12, 12, 12, 12];
        var optimizer = optim.AdamW(model.parameters(), lr: 3e-3);
        using var generator = new Generator(5);
        double Evaluate()
        {
            using var noGrad = no_grad();
            using var g = new Generator(99);
            return model.Loss(text, textLengths, latents, frames, g).item<float>();
        }
        double before = Evaluate();
        for (int step = 0; step < 60; step++)
        {
            using var stepScope = NewDisposeScope();
            optimizer.zero_grad();
            model.Loss(text, textLengths, latents, frames, generator, blockSize: step % 2 == 0 ? 1 : 4).backward();
            optimizer.step();
        }
        double after = Evaluate();
        Assert.True(after < 0.7 * before, $"loss {before:F3} -> {after:F3}");
    }
}
