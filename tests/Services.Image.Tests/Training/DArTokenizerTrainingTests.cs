using Media.Modeling.Checkpoints;
using Media.Modeling.Training;
using Media.Services.Image.Training;
using Media.Tokenizers.Image.DAr;
using static TorchSharp.torch;

namespace Media.Services.Image.Tests.Training;

/// <summary>The D-AR tokenizer's run: starting from a finished tokenizer's weights, resuming, and what it refuses.</summary>
[Collection(nameof(SingleThreadedTorch))]
public sealed class DArTokenizerTrainingTests
{
    /// <summary>A 64 px tokenizer (the training scenes' size) small enough for a test.</summary>
    internal static readonly DArTokenizerConfig Small = new()
    {
        ImageSize = 64, PatchSize = 16, EncoderDim = 32, EncoderLayers = 1, PostQuantLayers = 1, HeadDim = 16,
        Tokens = 8, Groups = 2, CodebookSize = 32, DecoderPatchSize = 16, DecoderDim = 32, DecoderDepth = 1,
    };

    static readonly DArTokenizerTrainingOptions Options = new() { Batch = 2, EvalEvery = 0 };

    [Fact]
    public void A_fresh_run_starts_from_a_finished_tokenizers_weights_a_resume_from_its_checkpoint_and_another_architecture_is_refused()
    {
        using var finished = new TempDirectory();
        manual_seed(11);
        using (var model = new DArTokenizer(Small)) DArTokenizerFolder.Save(model, finished.Path);
        using var saved = DArTokenizerFolder.Load(finished.Path);

        using var run = new TempDirectory();
        using var export = new TempDirectory();
        var schedule = new TrainerOptions { RunDirectory = run.Path, TotalSteps = 2, CheckpointEvery = 1, Seed = 7 };
        using (var training = new DArTokenizerTraining(Small, Options with { InitFrom = finished.Path }, schedule, CPU))
        {
            var start = training.Model.state_dict();
            foreach (var (key, value) in saved.state_dict())
                Assert.True(value.eq(start[key]).all().item<bool>(), key);
            training.Run(1);
            Assert.Equal(1, training.Trainer.Step);
        }

        // The resume continues from its checkpoint, even with the init folder gone, and its export names where it started.
        Directory.Delete(finished.Path, recursive: true);
        using (var resumed = new DArTokenizerTraining(Small, Options with { InitFrom = finished.Path }, schedule, CPU))
        {
            Assert.Equal(1L, resumed.Trainer.ResumedFromStep);
            resumed.Run(2);
            resumed.Export(export.Path);
        }
        using (var exported = SafetensorsFile.Open(Path.Combine(export.Path, DArTokenizerFolder.WeightsFile)))
            Assert.Equal(Path.GetFullPath(finished.Path), exported.Metadata["init"]);

        // Another architecture (here: with REPA's projector) is refused before anything trains.
        using var emptyRun = new TempDirectory();
        var other = Assert.Throws<ArgumentException>(() => new DArTokenizerTraining(Small with { RepaDim = 64 }, Options with { InitFrom = export.Path },
            new TrainerOptions { RunDirectory = emptyRun.Path, TotalSteps = 1 }, CPU));
        Assert.Contains("another tokenizer architecture", other.Message, StringComparison.Ordinal);
        Assert.Empty(TrainingCheckpoint.List(emptyRun.Path));
    }
}
