using Media.Modeling.Checkpoints;
using Media.Modeling.Training;
using Media.Services.Audio.Codec.Training;
using Media.Tokenizers.Audio.Encodec;
using Media.Tokenizers.Audio.Training;
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
