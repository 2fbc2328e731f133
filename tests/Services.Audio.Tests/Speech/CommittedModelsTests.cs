using Media.Modeling.Layers;
using Media.Services.Audio.Speech;
using Media.Services.Audio.Speech.FrontEnd;
using Media.Services.Audio.Speech.Latents;
using Media.Services.Audio.Speech.Recognizer;
using Media.Services.Audio.Speech.Vocoder;
using static TorchSharp.torch;

namespace Media.Services.Audio.Tests.Speech;

/// <summary>The committed checkpoints load strictly into today's code and keep the contracts the TTS model relies on.</summary>
public class CommittedModelsTests
{
    static string ModelFolder(string name)
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Media.sln"))) return Path.Combine(dir.FullName, "models", name);
        throw new DirectoryNotFoundException("Media.sln not found above the test binaries.");
    }

    [Fact]
    public void The_committed_vae_gives_20_hz_latents_and_streams_like_it_decodes_offline()
    {
        using var scope = NewDisposeScope();
        using var vae = MelVae.Load(ModelFolder("tts-mel-vae"), CPU);
        Assert.Equal(20.0, vae.Config.LatentRate);
        Assert.Equal(new SpeechMelConfig(), vae.Config.Mel);
        var latents = randn(1, vae.Config.LatentDim, 12);
        using var noGrad = no_grad();
        var offline = vae.Decode(latents);
        using var state = new ConvolutionStreamState(vae.Decoder.StateSlots);
        var streamed = cat([vae.Decoder.Step(latents.narrow(2, 0, 4), state), vae.Decoder.Step(latents.narrow(2, 4, 8), state)], 2);
        Assert.True((offline - streamed).abs().max().item<float>() < 1e-5f);
    }

    [Fact]
    public void The_committed_recognizer_uses_the_front_ends_symbol_table()
    {
        using var recognizer = CtcRecognizer.Load(ModelFolder("asr-ctc"), CPU);
        Assert.Equal(SpeechSymbols.Default.Characters, recognizer.Config.Symbols);
        Assert.Equal(new SpeechMelConfig(), recognizer.Config.Mel);
    }

    [Fact]
    public void The_committed_judge_recognizer_reads_the_same_features_with_weights_of_its_own()
    {
        // eval tts scores with both recognizers on the same features; the judge must be a model of its own (another
        // corpus seed, other voices, another training seed), not a copy of the recognizer that aligned the voice.
        using var judge = CtcRecognizer.Load(ModelFolder("asr-ctc-judge"), CPU);
        using var recognizer = CtcRecognizer.Load(ModelFolder("asr-ctc"), CPU);
        Assert.Equal(SpeechSymbols.Default.Characters, judge.Config.Symbols);
        Assert.Equal(new SpeechMelConfig(), judge.Config.Mel);
        var pairs = judge.named_parameters().Zip(recognizer.named_parameters()).ToList();
        Assert.All(pairs, pair => Assert.Equal(pair.First.name, pair.Second.name));
        Assert.All(pairs, pair => Assert.False(pair.First.parameter.allclose(pair.Second.parameter), $"{pair.First.name} equals asr-ctc's"));
    }

    [Fact]
    public void The_committed_vocoder_matches_the_features_and_names_a_default()
    {
        using var vocoder = IstftVocoder.Load(ModelFolder("tts-vocoder"), CPU);
        Assert.Equal(new SpeechMelConfig(), vocoder.Mel);
        var chosen = SpeechVocoders.LoadDefault(ModelFolder("tts-vocoder"), new SpeechMelConfig(), CPU);
        Assert.Equal(new SpeechMelConfig(), chosen.Mel);
        (chosen as IDisposable)?.Dispose();
    }
}
