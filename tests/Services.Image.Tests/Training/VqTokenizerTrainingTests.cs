using Media.Modeling.Checkpoints;
using Media.Modeling.Training;
using Media.Services.Image.Training;
using Media.Tokenizers.Image;
using static TorchSharp.torch;

namespace Media.Services.Image.Tests.Training;

[Collection(nameof(SingleThreadedTorch))]
public sealed class VqTokenizerTrainingTests
{
    static TrainerOptions Schedule(string run, long steps) => new()
    {
        RunDirectory = run, TotalSteps = steps, LearningRate = 1e-3, CheckpointEvery = 1, LogEvery = 1, Seed = 1, ThroughputUnit = "images",
    };

    static readonly VqTokenizerTrainingOptions Tiny = new() { Codebook = 16, Batch = 2, EvalEvery = 0, RestartEvery = 0 };

    [Theory]
    [InlineData(4, 16)]
    [InlineData(8, 8)]
    public void The_downsampling_option_picks_the_token_grid_of_a_64_pixel_scene(int downsample, int tokensPerSide)
    {
        var config = VqTokenizerTraining.ConfigFor(new VqTokenizerTrainingOptions { Downsample = downsample, Channels = 64, Codebook = 512, CodebookDim = 4 });

        Assert.Equal(downsample, config.DownsampleFactor);
        Assert.Equal(tokensPerSide, VqTokenizerTraining.ImageSize / config.DownsampleFactor);
        Assert.Equal((512, 4, 64, 128), (config.CodebookSize, config.CodebookDim, config.Channels, config.ZChannels));
    }

    [Fact]
    public void The_seed_sets_the_initial_weights()
    {
        var config = VqTokenizerTraining.ConfigFor(Tiny with { Channels = 32, Codebook = 16 });
        Tensor Weights(string run, long seed)
        {
            // The global generator in the same state for every run: only the run's seed may tell the weights apart.
            manual_seed(99);
            using var training = new VqTokenizerTraining(config, Tiny, Schedule(run, 1) with { Seed = seed }, CPU);
            return training.Model.state_dict()["encoder.conv_in.weight"].detach().clone();
        }
        using var a = new TempDirectory();
        using var b = new TempDirectory();
        using var c = new TempDirectory();
        using var first = Weights(a.Path, 11);
        using var again = Weights(b.Path, 11);
        using var other = Weights(c.Path, 12);
        Assert.True(first.allclose(again, 0, 0), "the same seed gives the same initial weights");
        Assert.False(first.allclose(other, 0, 0), "another seed gives other initial weights");
    }

    [Fact]
    public void A_downsampling_other_than_4_or_8_is_refused() =>
        Assert.Throws<ArgumentException>(() => VqTokenizerTraining.ConfigFor(new VqTokenizerTrainingOptions { Downsample = 2 }));

    [Fact]
    [Slow("trains a small VQ tokenizer for two steps")]
    public void A_run_measures_the_held_out_scenes_exports_the_model_with_its_seeds_and_resumes_where_it_stopped()
    {
        using var run = new TempDirectory();
        using var export = new TempDirectory();
        var options = Tiny with { EvalEvery = 1, EvalImages = 3, DataSeed = 5 };
        var config = VqTokenizerTraining.ConfigFor(options);
        using (var training = new VqTokenizerTraining(config, options, Schedule(run.Path, 2), CPU))
        {
            Assert.Null(training.Trainer.ResumedFromStep);
            training.Run(until: 1); // what --until does: stop at step 1 of 2 with a checkpoint and the export
            Assert.Equal(1, training.Trainer.Step);
            var metrics = training.Finish(export.Path);

            Assert.NotNull(metrics);
            Assert.Equal(3, metrics.Images);
            using var saved = SafetensorsFile.Open(Path.Combine(export.Path, VqModelFolder.WeightsFile));
            Assert.Equal("1", saved.Metadata["steps"]);
            Assert.Equal("1", saved.Metadata["seed"]);
            Assert.Equal("5", saved.Metadata["data_seed"]);
            using var loaded = VqModelFolder.Load(export.Path);
            Assert.Equal(VqModelFolder.ConfigJson(config), VqModelFolder.ConfigJson(loaded.Config));
        }

        using var resumed = new VqTokenizerTraining(config, options, Schedule(run.Path, 2), CPU);
        Assert.Equal(1L, resumed.Trainer.ResumedFromStep);
        resumed.Run();
        Assert.Equal(2, resumed.Trainer.Step);
    }

    [Fact]
    [Slow("trains a small VQ tokenizer for one step")]
    public void Without_held_out_evaluation_finishing_measures_nothing()
    {
        using var run = new TempDirectory();
        using var training = new VqTokenizerTraining(VqTokenizerTraining.ConfigFor(Tiny), Tiny, Schedule(run.Path, 1), CPU);
        training.Run();

        Assert.Null(training.Finish(null));
        Assert.Equal(1, training.Trainer.Step);
    }

    [Fact]
    public void A_fresh_run_starts_from_the_init_folder_and_refuses_another_architecture()
    {
        var config = VqTokenizerTraining.ConfigFor(Tiny with { Channels = 32 });
        using var folder = new TempDirectory();
        using var run = new TempDirectory();
        manual_seed(11);
        using (var trained = new VqModel(config)) VqModelFolder.Save(trained, folder.Path);
        using var expected = VqModelFolder.Load(folder.Path);

        manual_seed(12);
        using (var training = new VqTokenizerTraining(config, Tiny with { InitFrom = folder.Path }, Schedule(run.Path, 1), CPU))
        {
            var got = training.Model.state_dict();
            foreach (var (key, value) in expected.state_dict())
                Assert.True(value.allclose(got[key]), key);
        }

        var other = VqTokenizerTraining.ConfigFor(Tiny with { Channels = 64 });
        using var otherRun = new TempDirectory();
        Assert.Throws<ArgumentException>(() => new VqTokenizerTraining(other, Tiny with { InitFrom = folder.Path }, Schedule(otherRun.Path, 1), CPU));
    }

    [Fact]
    [Slow("trains a small VQGAN for three steps")]
    public void A_gan_run_checkpoints_its_discriminator_and_resumes_with_it()
    {
        var config = VqTokenizerTraining.ConfigFor(Tiny with { Channels = 32 });
        var options = Tiny with { DiscriminatorWeight = 0.5, DiscriminatorStart = 1 };
        using var run = new TempDirectory();
        Tensor discriminatorAfterTwo;
        using (var training = new VqTokenizerTraining(config, options, Schedule(run.Path, 3), CPU))
        {
            training.Trainer.RunUntil(2);
            discriminatorAfterTwo = training.Discriminator!.state_dict()["main.0.weight"].detach().clone();
        }
        var saved = Checkpoint.Load(TrainingCheckpoint.PathFor(run.Path, 2));
        Assert.Contains("model.discriminator.main.0.weight", saved.Keys);
        Assert.Contains("model.vq.decoder.conv_out.weight", saved.Keys);

        using var resumed = new VqTokenizerTraining(config, options, Schedule(run.Path, 3), CPU);
        Assert.Equal(2, resumed.Trainer.ResumedFromStep);
        Assert.True(discriminatorAfterTwo.eq(resumed.Discriminator!.state_dict()["main.0.weight"]).all().item<bool>());
        resumed.Run();
        Assert.Equal(3, resumed.Trainer.Step);
    }
}
