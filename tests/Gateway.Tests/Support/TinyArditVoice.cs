using Media.Services.Audio.Speech;
using Media.Services.Audio.Speech.Ardit;
using Media.Services.Audio.Speech.Generation;
using static TorchSharp.torch;

namespace Media.Gateway.Tests;

/// <summary>
/// An <c>ardit-tts</c> checkpoint for tests: a tiny ARDiT with random weights (3 s at most, trained block sizes 1 and 4)
/// beside copies of the committed mel VAE and vocoder it speaks through, so the real speech generator serves it.
/// </summary>
static class TinyArditVoice
{
    /// <summary>Longest speech of the tiny model: 60 latent frames at 20 Hz.</summary>
    public const double MaxSeconds = 3;

    /// <summary>
    /// The tiny voice as <c>ardit-tts</c> and, with <paramref name="student"/>, also as a one-step distilled
    /// <c>ardit-tts-1step</c> (block size 4, steps 1): the same random weights, as a student starts from its teacher.
    /// </summary>
    /// With <paramref name="infilling"/> also as <c>ardit-tts-fim</c> (a voice trained with fill-in-the-middle), beside a copy of
    /// the committed recognizer that aligns the transcripts of speech-edit jobs.
    public static void Write(string modelsDirectory, bool student = false, bool infilling = false)
    {
        string committed = CommittedModels();
        foreach (string folder in infilling ? new[] { VaeVocoderDecoder.VaeFolder, "tts-vocoder", ArditVoice.Aligner } : [VaeVocoderDecoder.VaeFolder, "tts-vocoder"])
        {
            string target = Directory.CreateDirectory(Path.Combine(modelsDirectory, folder)).FullName;
            foreach (string file in new[] { "config.json", "model.safetensors" })
                File.Copy(Path.Combine(committed, folder, file), Path.Combine(target, file));
        }
        var config = new ArditConfig
        {
            LatentDim = 16, FrameRate = 20, BlockSize = 4, VocabSize = FrontEndTextEncoder.Default.VocabularySize,
            Dim = 32, NLayer = 2, NHead = 4, MaxTextLength = 80, MaxFrames = (int)(MaxSeconds * 20),
        };
        manual_seed(5);
        using var model = new ArditModel(config);
        // Every weight random: the zero-initialised output layers would otherwise make silence whatever the sampler does.
        using (no_grad())
            foreach (var (_, p) in model.named_parameters())
                p.normal_(0, 0.2);
        var voice = new ArditVoiceConfig { Model = config, Duration = new DurationPredictor { Weights = [4, 1, 0, 0] }, TrainedBlockSizes = [1, 4] };
        SpeechModelFolder.Save(model, voice, Path.Combine(modelsDirectory, ArditVoice.Teacher));
        if (student)
            SpeechModelFolder.Save(model, voice with { TrainedBlockSizes = [4], Steps = 1, Teacher = ArditVoice.Teacher }, Path.Combine(modelsDirectory, ArditVoice.Student));
        if (infilling)
            SpeechModelFolder.Save(model, voice with { FillInMiddle = 0.5 }, Path.Combine(modelsDirectory, ArditVoice.Infilling));
    }

    static string CommittedModels()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Media.sln"))) return Path.Combine(dir.FullName, "models");
        throw new DirectoryNotFoundException("Media.sln not found above the test binaries.");
    }
}
