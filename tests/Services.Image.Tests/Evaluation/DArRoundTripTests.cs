using Media.Services.Image.Data;
using Media.Services.Image.Evaluation;
using Media.Tokenizers.Image;
using Media.Tokenizers.Image.DAr;
using TorchSharp;
using static TorchSharp.torch;

namespace Media.Services.Image.Tests.Evaluation;

/// <summary>The D-AR tokenizer's round trip that <c>media eval image-dar</c> and <c>eval image-dar-tokenizer</c> report.</summary>
[Collection(nameof(SingleThreadedTorch))]
public sealed class DArRoundTripTests
{
    [Fact]
    public void Every_scene_is_scored_once_and_tokenizers_compared_side_by_side_see_the_same_noise()
    {
        using var scope = NewDisposeScope();
        manual_seed(3);
        using var tokenizer = new DArTokenizer(Training.DArTokenizerTrainingTests.Small);
        // Wake the zero-initialised output so reconstructions depend on the noise.
        using (no_grad())
            foreach (var (_, p) in tokenizer.named_parameters().Where(np => np.name.Contains("conv_out", StringComparison.Ordinal))) p.normal_(0, 0.05);
        var scenes = new CaptionedImageGenerator(64).Take(DataSplit.HeldOut, 5).ToList();

        var result = DArRoundTrip.Evaluate(tokenizer, scenes, seed: 11, batch: 2);
        Assert.Equal(5, result.Report.Samples);
        Assert.InRange(result.CodesUsed, 1, 32);
        Assert.Equal(32, result.CodebookSize);
        Assert.Equal(result.Psnr, DArRoundTrip.Evaluate(tokenizer, scenes, seed: 11, batch: 2).Psnr, 6);

        // The batch from scene s decodes from noise seeded seed + s: the last scene alone, by hand.
        var truth = ImageTensors.ToTensor([.. scenes.Skip(4).Select(s => s.Image)]);
        using var generator = new Generator(11 + 4, CPU);
        double last = VqReconstructionMetrics.PsnrPerImage(truth, tokenizer.Decode(tokenizer.Encode(truth), randn(truth.shape, generator: generator))).Single();
        var firstFour = DArRoundTrip.Evaluate(tokenizer, scenes.Take(4).ToList(), seed: 11, batch: 2);
        Assert.Equal(result.Psnr * 5, firstFour.Psnr * 4 + last, 4);
        Assert.NotEqual(result.Psnr, DArRoundTrip.Evaluate(tokenizer, scenes, seed: 12, batch: 2).Psnr);
        // The PSNR a training run logs is this one: same scenes, same noise.
        var all = ImageTensors.ToTensor([.. scenes.Select(s => s.Image)]);
        Assert.Equal(result.Psnr, Media.Services.Image.Training.DArTokenizerTraining.ReconstructionPsnr(tokenizer, all, noiseSeed: 11, batchSize: 2), 4);
    }
}
