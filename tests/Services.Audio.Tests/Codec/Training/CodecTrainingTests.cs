using Media.Modeling.Checkpoints;
using Media.Modeling.Training;
using Media.Services.Audio.Codec.Training;
using Media.Tokenizers.Audio.Encodec;
using Media.Tokenizers.Audio.Training;
using Media.Tokenizers.Audio.Training.Adversarial;
using static TorchSharp.torch;

namespace Media.Services.Audio.Tests.Codec.Training;

[Collection(nameof(SingleThreadedTorch))]
public sealed class CodecTrainingTests
{
    // A few-thousand-parameter EnCodec at 16 kHz: hop 320 (50 frames a second), two served bandwidths.
    static readonly EncodecConfig Tiny = new() { SamplingRate = 16_000, NumFilters = 4, HiddenSize = 8, CodebookSize = 16, TargetBandwidths = [1.0, 2.0] };

    [Fact]
    public void A_clip_is_rounded_to_whole_frames() =>
        Assert.Equal(new[] { 320, 320, 16_000, 16_320 },
            new[] { 0.001, 0.02, 1.0, 1.02 }.Select(s => CodecTraining.ClipSamplesFor(Tiny, s)));

    [Fact]
    public void Options_no_run_can_use_are_refused()
    {
        Assert.Throws<ArgumentException>(() => new CodecTrainingOptions { ClipSeconds = 0 }.Validate());
        Assert.Throws<ArgumentException>(() => new CodecTrainingOptions { TimeWeight = double.NaN }.Validate());
        Assert.Throws<ArgumentException>(() => new CodecTrainingOptions { ContinuousSteps = -1 }.Validate());
        Assert.Throws<ArgumentException>(() => new CodecTrainingOptions { AdversarialStart = -1 }.Validate());
        Assert.Throws<ArgumentException>(() => new CodecTrainingOptions { DiscriminatorFftSizes = [100] }.Validate());
        Assert.Throws<ArgumentException>(() => new CodecTrainingOptions { Balance = (0.1, 1, 0, 3) }.Validate());
        Assert.Throws<ArgumentException>(() => new CodecTrainingOptions { InitFrom = "models/media-codec", ContinuousSteps = 400 }.Validate());
    }

    [EspeakFact]
    [Slow("synthesises six utterances and trains a tiny codec adversarially for three steps")]
    public void An_adversarial_run_starts_from_a_codec_folder_checkpoints_its_discriminator_and_exports_only_the_codec()
    {
        using var corpusDirectory = new TempDirectory();
        using var init = new TempDirectory();
        using var run = new TempDirectory();
        using var export = new TempDirectory();
        manual_seed(7);
        using (var start = new EncodecModel(Tiny))
        {
            File.WriteAllText(Path.Combine(init.Path, "config.json"), Tiny.ToJson());
            Checkpoint.Save(start, Path.Combine(init.Path, "model.safetensors"), new Dictionary<string, string> { ["format"] = "encodec-hf" });
        }
        var options = new CodecTrainingOptions
        {
            Corpus = corpusDirectory.Path, Utterances = 6, MusicClips = 2, Batch = 2, ContinuousSteps = 0, ClipSeconds = 0.1,
            AdversarialStart = 1, DiscriminatorWarmupSteps = 1, DiscriminatorFilters = 2, DiscriminatorFftSizes = [512, 128], InitFrom = init.Path,
        };
        var corpus = CodecTraining.LoadCorpus(Tiny, options);
        var phases = new List<AdversarialPhase>();
        using (var training = new CodecTraining(Tiny, corpus, options, new TrainerOptions { RunDirectory = run.Path, TotalSteps = 3, CheckpointEvery = 1, Seed = 1 }, CPU,
            loss => phases.Add(loss.Phase)))
        {
            // The folder's kernels, split into EnCodec's weight-normalised pair (g, v) for training.
            Assert.True(training.Model.WeightNormalized);
            using (var loaded = EncodecCheckpoint.Load(Path.Combine(init.Path, "model.safetensors")))
            using (NewDisposeScope())
            {
                var trained = WeightNorm.FoldAll(training.Model.state_dict());
                foreach (var (key, tensor) in loaded.state_dict())
                    Assert.True(tensor.allclose(trained[key], rtol: 1e-5, atol: 1e-6), key);
            }
            training.Run();
            training.Export(export.Path);
            // The export folds the trained pair into the plain kernels inference reads.
            using var exportedModel = EncodecCheckpoint.Load(Path.Combine(export.Path, "model.safetensors"));
            using var scope = NewDisposeScope();
            var expected = WeightNorm.FoldAll(training.Model.state_dict());
            Assert.True(exportedModel.state_dict()["decoder.layers.3.conv.weight"].allclose(expected["decoder.layers.3.conv.weight"], rtol: 1e-2, atol: 1e-3));
        }

        Assert.Equal(new[] { AdversarialPhase.None, AdversarialPhase.DiscriminatorOnly, AdversarialPhase.Full }, phases);
        var checkpoint = Directory.EnumerateFiles(run.Path, "*.safetensors", SearchOption.AllDirectories).First();
        using (var saved = SafetensorsFile.Open(checkpoint))
        {
            Assert.Contains(saved.Header.Entries, e => e.Name.Contains("discriminator.discriminators.1.conv_post.", StringComparison.Ordinal));
            Assert.Contains(saved.Header.Entries, e => e.Name.EndsWith("codec.decoder.layers.3.conv.weight_v", StringComparison.Ordinal));
        }
        using var exported = SafetensorsFile.Open(Path.Combine(export.Path, "model.safetensors"));
        Assert.DoesNotContain(exported.Header.Entries, e => e.Name.Contains("discriminator", StringComparison.Ordinal) || e.Name.Contains("weight_g", StringComparison.Ordinal));
        using var reloaded = EncodecCheckpoint.Load(Path.Combine(export.Path, "model.safetensors"));
    }

    [EspeakFact]
    [Slow("synthesises six utterances and trains a tiny codec for three steps")]
    public void The_warm_up_trains_without_codebooks_then_each_step_uses_a_served_bandwidth_and_the_export_loads()
    {
        using var corpusDirectory = new TempDirectory();
        using var run = new TempDirectory();
        using var export = new TempDirectory();
        var options = new CodecTrainingOptions { Corpus = corpusDirectory.Path, Utterances = 6, MusicClips = 2, Batch = 2, ContinuousSteps = 1, ClipSeconds = 0.1 };
        var corpus = CodecTraining.LoadCorpus(Tiny, options);
        Assert.Equal(2, corpus.Music.Count);
        Assert.NotEmpty(corpus.Speech);

        var codebooks = new List<int>();
        using (var training = new CodecTraining(Tiny, corpus, options, new TrainerOptions { RunDirectory = run.Path, TotalSteps = 3, CheckpointEvery = 1, Seed = 1 }, CPU,
            loss => codebooks.Add(loss.Codebooks)))
        {
            training.Run(until: 2); // what --until does: stop at step 2 with its checkpoint; the same run then goes on
            Assert.Equal(2, training.Trainer.Step);
            training.Run();
            Assert.Equal(3, training.Trainer.Step);
            training.Export(export.Path);
        }

        Assert.Equal(0, codebooks[0]);
        var served = Tiny.TargetBandwidths.Select(Tiny.CodebooksForBandwidth).ToArray();
        Assert.All(codebooks.Skip(1), n => Assert.Contains(n, served));
        Assert.Equal(Tiny.ToJson(), EncodecConfig.Load(Path.Combine(export.Path, "config.json")).ToJson());
        using var saved = SafetensorsFile.Open(Path.Combine(export.Path, "model.safetensors"));
        Assert.Equal(("3", "encodec-hf"), (saved.Metadata["step"], saved.Metadata["format"]));
        Assert.All(saved.Header.Entries.Where(e => e.DType is ScalarType.Float32 or ScalarType.Float16), e => Assert.Equal(ScalarType.Float16, e.DType));
    }
}
