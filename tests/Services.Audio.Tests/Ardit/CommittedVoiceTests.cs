using Media.Services.Audio.Speech.Ardit;
using Media.Services.Audio.Speech.Generation;
using static TorchSharp.torch;

namespace Media.Services.Audio.Tests.Ardit;

/// <summary>
/// The committed voice (models/ardit-tts) keeps speaking as it did when its outputs were recorded (before the attention
/// and adaLN block moved into shared/Modeling): its weights load under their committed key names, the full training-layout
/// forward gives the recorded velocities, and a fixed-seed request gives the recorded audio.
/// </summary>
[Collection(SingleThreadedTorch.Name)]
public sealed class CommittedVoiceTests
{
    static readonly string Models = Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "..", "..", "..", "..", "..", "models"));
    static readonly string Recorded = Path.Combine(AppContext.BaseDirectory, "Ardit", "Recorded");

    [Fact]
    public void The_committed_voice_speaks_the_recorded_audio_for_a_fixed_seed()
    {
        var voice = ArditVoice.Load(Models, CPU);
        var result = voice.Synthesize(new SpeechRequest
        {
            Text = "The quick brown fox.",
            DurationSeconds = 1.2,
            Sampling = new ArditSamplingOptions { Steps = 4, Seed = 7 },
        });
        AssertMatches("voice-seed7.f32", result.Samples, atol: 1e-4f);
    }

    [Fact]
    public void The_committed_model_gives_the_recorded_velocities_in_the_training_layout()
    {
        using var scope = NewDisposeScope();
        var config = SpeechModelFolderConfig();
        using var model = new ArditModel(config);
        Media.Services.Audio.Speech.SpeechModelFolder.LoadWeights(model, Path.Combine(Models, "ardit-tts"), CPU, ArditModel.CheckpointRenames);
        var generator = new Generator(11);
        const int L = 9, N = 10;
        var text = randint(0, config.VocabSize, [2, L], generator: generator);
        var clean = randn([2, N, config.LatentDim], generator: generator);
        var noisy = randn([2, N, config.LatentDim], generator: generator);
        var times = rand([2, N], generator: generator);
        using var noGrad = no_grad();
        // Row 1 is shorter in both text and frames: padding goes through the mask.
        var velocity = model.Velocity(text, [L, 6], clean, noisy, times, [N, 7]);
        AssertMatches("velocity-seed11.f32", velocity.data<float>().ToArray(), atol: 1e-4f);
    }

    static ArditConfig SpeechModelFolderConfig() =>
        Media.Services.Audio.Speech.SpeechModelFolder.ReadConfig<ArditVoiceConfig>(Path.Combine(Models, "ardit-tts")).Model;

    static void AssertMatches(string name, float[] actual, float atol)
    {
        string path = Path.Combine(Recorded, name);
        var raw = File.ReadAllBytes(path);
        var expected = new float[raw.Length / 4];
        Buffer.BlockCopy(raw, 0, expected, 0, raw.Length);
        Assert.Equal(expected.Length, actual.Length);
        float worst = 0;
        for (int i = 0; i < expected.Length; i++) worst = Math.Max(worst, Math.Abs(expected[i] - actual[i]));
        Assert.True(worst <= atol, $"{name}: largest difference {worst} (tolerance {atol})");
    }
}
