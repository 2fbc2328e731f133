using Media.Modeling.Checkpoints;
using Media.Modeling.Training;
using Media.Services.Image.TokenShuffle;
using Media.Services.Image.Training;
using Media.Tokenizers.Image;
using static TorchSharp.torch;

namespace Media.Services.Image.Tests.Training;

[Collection(nameof(SingleThreadedTorch))]
public sealed class TokenShuffleTrainingTests
{
    // 16 px per token: a 4x4 code grid for the 64 px scenes.
    static VqModel TinyVq()
    {
        manual_seed(3);
        return new VqModel(new VqConfig
        {
            CodebookSize = 16, CodebookDim = 4, Channels = 32, ZChannels = 32, ResBlocks = 1,
            EncoderChannelMultipliers = [1, 1, 1, 1, 1], DecoderChannelMultipliers = [1, 1, 1, 1, 1],
        });
    }

    static readonly TokenShuffleTrainingOptions Tiny = new() { Shuffle = 2, Samples = 4, Batch = 2, Dim = 32, Layers = 1, Heads = 2 };

    [Fact]
    public void The_config_reads_the_code_grid_and_codebook_from_the_tokenizer_and_pins_its_weights()
    {
        using var vq = TinyVq();

        var config = TokenShuffleTraining.ConfigFor(Tiny, vq, "abc");

        Assert.Equal(TokenShuffleTraining.ImageSize / vq.Config.DownsampleFactor, config.GridSize);
        Assert.Equal(vq.Config.CodebookSize, config.CodebookSize);
        Assert.Equal(Tiny.TextLength + 1, config.ConditionLength);
        Assert.Equal((2, 4), (config.Shuffle, config.Windows));
        Assert.Equal("abc", config.VqSha256);
    }

    [Fact]
    public void A_config_that_names_no_tokenizer_is_refused_before_any_encoding()
    {
        using var run = new TempDirectory();
        using var vq = TinyVq();
        var config = TokenShuffleTraining.ConfigFor(Tiny, vq, "abc") with { VqSha256 = null };

        Assert.Throws<ArgumentException>(() => new TokenShuffleTraining(config, Tiny, new TrainerOptions { RunDirectory = run.Path, TotalSteps = 1 }, vq, CPU));
        Assert.False(File.Exists(Path.Combine(run.Path, TokenShuffleTraining.TokensFile)));
    }

    [Fact]
    [Slow("encodes four scenes and trains a tiny transformer for two steps")]
    public void A_run_caches_the_encoded_scenes_exports_its_model_and_a_resume_past_the_stop_trains_nothing()
    {
        using var run = new TempDirectory();
        using var export = new TempDirectory();
        using var vq = TinyVq();
        var config = TokenShuffleTraining.ConfigFor(Tiny, vq, "abc");
        var schedule = new TrainerOptions { RunDirectory = run.Path, TotalSteps = 2, CheckpointEvery = 1, Seed = 7 };
        using (var training = new TokenShuffleTraining(config, Tiny, schedule, vq, CPU))
        {
            training.Run(2);
            Assert.Equal(2, training.Trainer.Step);
            Assert.True(File.Exists(Path.Combine(run.Path, TokenShuffleTraining.TokensFile)));
            training.Export(export.Path);
        }
        using (var saved = SafetensorsFile.Open(Path.Combine(export.Path, "model.safetensors")))
            Assert.Equal(("2", "7", "4"), (saved.Metadata["steps"], saved.Metadata["seed"], saved.Metadata["samples"]));
        using (var loaded = TokenShuffleCheckpoint.Load(export.Path))
            Assert.Equal(config.ToJson(), loaded.Config.ToJson());

        using var resumed = new TokenShuffleTraining(config, Tiny, schedule, vq, CPU);
        resumed.Run(1);
        Assert.Equal(2L, resumed.Trainer.ResumedFromStep);
        Assert.Equal(2, resumed.Trainer.Step);
        Assert.Empty(resumed.Trainer.History);
    }

    [Fact]
    [Slow("encodes four scenes twice and trains a tiny transformer for two steps")]
    public void A_fresh_run_starts_from_a_finished_models_weights_a_resume_from_its_checkpoint_and_another_tokenizers_model_is_refused()
    {
        using var finished = new TempDirectory();
        using var vq = TinyVq();
        var config = TokenShuffleTraining.ConfigFor(Tiny, vq, "abc");
        manual_seed(11);
        using (var model = new TokenShuffleModel(config)) TokenShuffleCheckpoint.Save(model, finished.Path);
        using var saved = TokenShuffleCheckpoint.Load(finished.Path);

        using var run = new TempDirectory();
        using var export = new TempDirectory();
        var schedule = new TrainerOptions { RunDirectory = run.Path, TotalSteps = 2, CheckpointEvery = 1, Seed = 7 };
        using (var training = new TokenShuffleTraining(config, Tiny with { InitFrom = finished.Path }, schedule, vq, CPU))
        {
            var start = training.Model.state_dict();
            foreach (var (key, value) in saved.state_dict())
                Assert.True(value.to(ScalarType.Float32).eq(start[key]).all().item<bool>(), key);
            training.Run(1);
            Assert.Equal(1, training.Trainer.Step);
        }

        // The resume continues from its checkpoint (not the init weights, which may be gone by then) and its export
        // still names the folder the run started from.
        Directory.Delete(finished.Path, recursive: true);
        using (var resumed = new TokenShuffleTraining(config, Tiny with { InitFrom = finished.Path }, schedule, vq, CPU))
        {
            Assert.Equal(1L, resumed.Trainer.ResumedFromStep);
            resumed.Run(2);
            resumed.Export(export.Path);
        }
        using (var exported = SafetensorsFile.Open(Path.Combine(export.Path, "model.safetensors")))
            Assert.Equal(Path.GetFullPath(finished.Path), exported.Metadata["init"]);

        using var noWeights = new TempDirectory();
        File.WriteAllText(Path.Combine(noWeights.Path, "config.json"), config.ToJson());
        using var emptyRun = new TempDirectory();
        var missing = Assert.Throws<ArgumentException>(() => new TokenShuffleTraining(config, Tiny with { InitFrom = noWeights.Path },
            new TrainerOptions { RunDirectory = emptyRun.Path, TotalSteps = 1 }, vq, CPU));
        Assert.Contains("no model.safetensors", missing.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(emptyRun.Path, TokenShuffleTraining.TokensFile)));

        using (var model = new TokenShuffleModel(config)) TokenShuffleCheckpoint.Save(model, finished.Path);
        using var otherRun = new TempDirectory();
        var otherTokenizer = config with { VqSha256 = "another" };
        var error = Assert.Throws<ArgumentException>(() => new TokenShuffleTraining(otherTokenizer, Tiny with { InitFrom = finished.Path },
            new TrainerOptions { RunDirectory = otherRun.Path, TotalSteps = 1 }, vq, CPU));
        Assert.Contains("another architecture or tokenizer", error.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(otherRun.Path, TokenShuffleTraining.TokensFile)));
    }
}
