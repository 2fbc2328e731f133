using Media.Audio.Corpora;
using Media.Modeling.Checkpoints;
using Media.Modeling.Training;
using Media.Services.Audio.Codec.Training;
using Media.Tokenizers.Audio.Codec;
using Media.Tokenizers.Audio.Encodec;
using Media.Tokenizers.Audio.Training;
using Media.Tokenizers.Audio.Vocos;
using static TorchSharp.torch;

namespace Media.Services.Audio.Tests.Codec.Training;

[Collection(nameof(SingleThreadedTorch))]
public sealed class VocosDecoderTrainingTests
{
    // A few-thousand-parameter EnCodec at 16 kHz (hop 320) and a small Vocos decoder for its 8-channel latents.
    static readonly EncodecConfig Tiny = new() { SamplingRate = 16_000, NumFilters = 4, HiddenSize = 8, CodebookSize = 16, TargetBandwidths = [1.0, 2.0] };
    static readonly VocosConfig TinyVocos = new()
    {
        InputChannels = 8, Dim = 16, IntermediateDim = 32, NumLayers = 2, ConditionCodebooks = [.. Enumerable.Range(1, 10)], NFft = 1280, HopLength = 320, SampleRate = 16_000,
    };

    static void SaveCodec(string folder, int seed)
    {
        manual_seed(seed);
        using var codec = new EncodecModel(Tiny);
        File.WriteAllText(Path.Combine(folder, "config.json"), Tiny.ToJson());
        Checkpoint.Save(codec, Path.Combine(folder, "model.safetensors"), new Dictionary<string, string> { ["format"] = "encodec-hf" });
    }

    [Fact]
    public void Options_no_run_can_use_are_refused()
    {
        Assert.Throws<ArgumentException>(() => new VocosDecoderTrainingOptions { Codebooks = [11] }.Validate(Tiny));
        Assert.Throws<ArgumentException>(() => new VocosDecoderTrainingOptions { Codebooks = [] }.Validate(Tiny));
        Assert.Throws<ArgumentException>(() => new VocosDecoderTrainingOptions { TimeWeight = -1 }.Validate(Tiny));
        Assert.Throws<ArgumentException>(() => new VocosDecoderTrainingOptions { ClipSeconds = 0 }.Validate(Tiny));
        Assert.Throws<ArgumentException>(() => new VocosDecoderTrainingOptions { StftFftSizes = [] }.Validate(Tiny));
        Assert.Throws<ArgumentException>(() => new VocosDecoderTrainingOptions { StftFftSizes = [512, 8] }.Validate(Tiny));
        Assert.Throws<ArgumentException>(() => new VocosDecoderTrainingOptions { StftFftSizes = [8192], ClipSeconds = 0.2 }.Validate(Tiny));
    }

    [EspeakFact]
    [Slow("synthesises six utterances for a tiny codec's corpus")]
    public void A_fine_tune_starts_from_the_folders_own_decoder_and_weighs_the_asked_stft_sizes()
    {
        using var corpusDirectory = new TempDirectory();
        using var codecFolder = new TempDirectory();
        SaveCodec(codecFolder.Path, seed: 5);
        manual_seed(9);
        using (var theirs = new VocosDecoder(TinyVocos))
        {
            File.WriteAllText(Path.Combine(codecFolder.Path, NeuralAudioCodec.VocosConfigFile), TinyVocos.ToJson());
            Checkpoint.Save(theirs, Path.Combine(codecFolder.Path, NeuralAudioCodec.VocosWeightsFile), new Dictionary<string, string> { ["format"] = "vocos" });
        }
        var speech = SpeechCorpus.Prepare(new SpeechCorpusOptions { Directory = corpusDirectory.Path, SampleRate = 16_000, Count = 6 });
        var corpus = CodecCorpus.Load(speech, heldOut: false, musicClips: 1);
        var heldOut = CodecCorpus.Load(speech, heldOut: true, musicClips: 1);
        using var codec = EncodecCheckpoint.Load(Path.Combine(codecFolder.Path, "model.safetensors"));
        var options = new VocosDecoderTrainingOptions { Batch = 2, ClipSeconds = 0.2, Codebooks = [1, 2], InitDecoderFrom = codecFolder.Path };
        TrainerOptions Schedule(string run) => new() { RunDirectory = run, TotalSteps = 1, Seed = 1 };

        using (var run = new TempDirectory())
        using (var training = new VocosDecoderTraining(codec, TinyVocos, corpus, heldOut, options, Schedule(run.Path), CPU))
        using (var saved = new VocosDecoder(TinyVocos))
        {
            Checkpoint.LoadInto(saved, Path.Combine(codecFolder.Path, NeuralAudioCodec.VocosWeightsFile));
            foreach (var (key, value) in saved.state_dict()) Assert.True(value.allclose(training.Model.state_dict()[key], rtol: 0, atol: 0), key);
        }

        // A decoder of another config is no fine-tune of the folder's.
        using (var run = new TempDirectory())
            Assert.Throws<ArgumentException>(() => new VocosDecoderTraining(codec, TinyVocos with { Dim = 24 }, corpus, heldOut, options, Schedule(run.Path), CPU));

        // The asked resolutions are the loss's: a 4096-point STFT is refused for 0.1 s clips before any step, and reads 0.2 s ones.
        using (var run = new TempDirectory())
            Assert.Contains("4096", Assert.Throws<ArgumentException>(() => new VocosDecoderTraining(codec, TinyVocos, corpus, heldOut,
                options with { StftFftSizes = [1024, 4096], ClipSeconds = 0.1 }, Schedule(run.Path), CPU)).Message, StringComparison.Ordinal);
        using (var run = new TempDirectory())
        using (var training = new VocosDecoderTraining(codec, TinyVocos, corpus, heldOut, options with { StftFftSizes = [1024, 4096] }, Schedule(run.Path), CPU))
        using (var scope = NewDisposeScope())
        {
            var clips = heldOut.Batch(new Random(1), 2, training.ClipSamples, CPU);
            var withLong = training.Terms(clips, 2).Stft;
            using var defaultRun = new TempDirectory();
            using var defaults = new VocosDecoderTraining(codec, TinyVocos, corpus, heldOut, options, Schedule(defaultRun.Path), CPU);
            Assert.NotEqual(defaults.Terms(clips, 2).Stft, withLong);
        }

        // A resumed fine-tune continues its checkpoint, not the folder's decoder again.
        using (var run = new TempDirectory())
        {
            TrainerOptions Two() => new() { RunDirectory = run.Path, TotalSteps = 2, LearningRate = 1e-2, Seed = 1, EmaDecay = 0.9 };
            Dictionary<string, Tensor> trained;
            using (var first = new VocosDecoderTraining(codec, TinyVocos, corpus, heldOut, options, Two(), CPU))
            {
                first.Run();
                trained = first.Model.state_dict().ToDictionary(p => p.Key, p => p.Value.clone());
            }
            using var resumed = new VocosDecoderTraining(codec, TinyVocos, corpus, heldOut, options, Two(), CPU);
            Assert.Equal(2, resumed.Trainer.ResumedFromStep);
            var folders = Checkpoint.Load(Path.Combine(codecFolder.Path, NeuralAudioCodec.VocosWeightsFile));
            Assert.Contains(trained, p => !p.Value.allclose(folders[p.Key], rtol: 0, atol: 0));
            foreach (var (key, value) in resumed.Model.state_dict()) Assert.True(value.allclose(trained[key], rtol: 0, atol: 0), key);
        }
    }

    [EspeakFact]
    [Slow("synthesises six utterances and trains a tiny Vocos decoder")]
    public void The_decoder_learns_the_frozen_codecs_codes_and_exports_a_codec_folder_that_decodes_with_it()
    {
        using var corpusDirectory = new TempDirectory();
        using var codecFolder = new TempDirectory();
        using var run = new TempDirectory();
        using var export = new TempDirectory();
        SaveCodec(codecFolder.Path, seed: 5);
        var speech = SpeechCorpus.Prepare(new SpeechCorpusOptions { Directory = corpusDirectory.Path, SampleRate = 16_000, Count = 6 });
        var corpus = CodecCorpus.Load(speech, heldOut: false, musicClips: 2);
        var heldOut = CodecCorpus.Load(speech, heldOut: true, musicClips: 1);
        using var codec = EncodecCheckpoint.Load(Path.Combine(codecFolder.Path, "model.safetensors"));
        var frozen = codec.state_dict().ToDictionary(p => p.Key, p => p.Value.clone());
        var options = new VocosDecoderTrainingOptions { Batch = 2, ClipSeconds = 0.2, Codebooks = [1, 2, 4], TimeWeight = 1 };

        using (var training = new VocosDecoderTraining(codec, TinyVocos, corpus, heldOut, options,
            new TrainerOptions { RunDirectory = run.Path, TotalSteps = 40, LearningRate = 3e-3, CheckpointEvery = 20, Seed = 1, EmaDecay = 0.9 }, CPU))
        {
            var before = training.Validate();
            training.Run();
            var after = training.Validate();
            foreach (int k in new[] { 1, 2, 4 })
                Assert.True(after[$"val_mrstft_q{k}"] < before[$"val_mrstft_q{k}"], $"{k} codebooks: {before[$"val_mrstft_q{k}"]} -> {after[$"val_mrstft_q{k}"]}");
            training.Export(codecFolder.Path, export.Path);
        }

        // The codec's encoder and codebooks did not move: the codes of every token cache made with it stay valid.
        foreach (var (key, value) in codec.state_dict()) Assert.True(value.allclose(frozen[key], rtol: 0, atol: 0), key);
        using var exported = NeuralAudioCodec.Load(export.Path);
        Assert.Equal("vocos", exported.DecoderName);
        Assert.False(exported.Vocos!.Config.ReplacesDecoder);
        var codes = exported.Encode(new Media.Audio.IO.AudioBuffer([heldOut.Music[0]], 16_000), 2.0);
        Assert.Equal(heldOut.Music[0].Length, exported.Decode(codes).Length);
        using var saved = SafetensorsFile.Open(Path.Combine(export.Path, NeuralAudioCodec.VocosWeightsFile));
        Assert.Equal(("40", "vocos"), (saved.Metadata["step"], saved.Metadata["format"]));
        Assert.All(saved.Header.Entries, e => Assert.Equal(ScalarType.Float16, e.DType));
    }

    [EspeakFact]
    [Slow("synthesises six utterances and trains a tiny codec with a Vocos decoder for three steps")]
    public void A_codec_trained_with_vocos_exports_it_as_its_only_decoder_and_a_plain_run_clears_a_stale_one()
    {
        using var corpusDirectory = new TempDirectory();
        using var run = new TempDirectory();
        using var plainRun = new TempDirectory();
        using var export = new TempDirectory();
        var options = new CodecTrainingOptions { Corpus = corpusDirectory.Path, Utterances = 6, MusicClips = 2, Batch = 2, ContinuousSteps = 1, ClipSeconds = 0.1, Vocos = TinyVocos };
        var corpus = CodecTraining.LoadCorpus(Tiny, options);
        using (var training = new CodecTraining(Tiny, corpus, options, new TrainerOptions { RunDirectory = run.Path, TotalSteps = 3, CheckpointEvery = 1, Seed = 1 }, CPU))
        {
            var decoderBefore = training.Model.state_dict().Where(p => p.Key.StartsWith("decoder.", StringComparison.Ordinal)).ToDictionary(p => p.Key, p => p.Value.clone());
            var vocosBefore = training.Vocos!.state_dict()["head.out.weight"].clone();
            training.Run();
            training.Export(export.Path);
            // EnCodec's own decoder takes no part; the Vocos decoder learns.
            foreach (var (key, value) in decoderBefore) Assert.True(value.allclose(training.Model.state_dict()[key], rtol: 0, atol: 0), key);
            Assert.False(vocosBefore.allclose(training.Vocos.state_dict()["head.out.weight"], rtol: 0, atol: 0));
        }
        var checkpoint = Directory.EnumerateFiles(run.Path, "*.safetensors", SearchOption.AllDirectories).First();
        using (var saved = SafetensorsFile.Open(checkpoint))
            Assert.Contains(saved.Header.Entries, e => e.Name.Contains("vocos.head.out.", StringComparison.Ordinal));
        using (var codec = NeuralAudioCodec.Load(export.Path))
        {
            Assert.Equal("vocos", codec.DecoderName);
            Assert.True(codec.Vocos!.Config.ReplacesDecoder);
        }
        Assert.Throws<InvalidOperationException>(() => NeuralAudioCodec.Load(export.Path, encodecDecoder: true));

        // A run started from that folder continues its Vocos decoder as well as its encoder; one of other sizes is refused.
        using (var next = new TempDirectory())
        using (var continued = new CodecTraining(Tiny, corpus, options with { InitFrom = export.Path, ContinuousSteps = 0 },
            new TrainerOptions { RunDirectory = next.Path, TotalSteps = 1, Seed = 2 }, CPU))
        using (var exported = NeuralAudioCodec.Load(export.Path))
        using (var scope = NewDisposeScope())
            Assert.True(continued.Vocos!.state_dict()["head.out.weight"].allclose(exported.Vocos!.state_dict()["head.out.weight"], rtol: 0, atol: 0));
        using (var other = new TempDirectory())
        {
            var wider = options with { InitFrom = export.Path, ContinuousSteps = 0, Vocos = TinyVocos with { Dim = 24 } };
            Assert.Throws<ArgumentException>(() => new CodecTraining(Tiny, corpus, wider, new TrainerOptions { RunDirectory = other.Path, TotalSteps = 1, Seed = 2 }, CPU));
        }

        // A run without Vocos exported into the same folder leaves no decoder of other codes behind.
        using (var plain = new CodecTraining(Tiny, corpus, options with { Vocos = null }, new TrainerOptions { RunDirectory = plainRun.Path, TotalSteps = 1, Seed = 1 }, CPU))
        {
            plain.Run();
            plain.Export(export.Path);
        }
        Assert.False(File.Exists(Path.Combine(export.Path, NeuralAudioCodec.VocosWeightsFile)));
        using var reloaded = NeuralAudioCodec.Load(export.Path);
        Assert.Equal("encodec", reloaded.DecoderName);
    }
}
