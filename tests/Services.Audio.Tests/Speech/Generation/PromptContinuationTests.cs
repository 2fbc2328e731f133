using Media.Audio.IO;
using Media.Services.Audio.Speech.Ardit;
using Media.Services.Audio.Speech.Generation;
using Media.Services.Audio.Tests.Ardit;
using static TorchSharp.torch;

namespace Media.Services.Audio.Tests.Speech.Generation;

/// <summary>Zero-shot continuation: a clip encoded by the committed VAE is the clean context of a (tiny, random) ARDiT voice.</summary>
[Collection(SingleThreadedTorch.Name)]
public sealed class PromptContinuationTests : IDisposable
{
    static readonly FrontEndTextEncoder Text = FrontEndTextEncoder.Default;

    readonly SpeechPromptEncoder encoder = SpeechPromptEncoder.Load(CommittedModels.Folder, CPU);
    readonly ArditModel model;
    readonly OverlapAddTestDecoder decoder;
    readonly StreamingSpeechSynthesizer speech;

    public PromptContinuationTests()
    {
        // The VAE's latent shape and rate, so the encoder's latents fit the model; 64 frames = 3.2 s at most.
        var config = ArditTestModels.Tiny(4) with { VocabSize = Text.VocabularySize, LatentDim = encoder.LatentDim, FrameRate = encoder.FrameRate, MaxTextLength = 80 };
        model = ArditTestModels.Randomised(config);
        decoder = new OverlapAddTestDecoder(config.LatentDim, frameRate: (int)encoder.FrameRate);
        speech = new StreamingSpeechSynthesizer(model, Text, new DurationPredictor { Weights = [2, 0.5, 0, 1] }, decoder);
    }

    Tensor Clip(double seconds) => encoder.Encode(AudioBuffer.FromMono(SpeechTestData.Syllables("abcd efgh ijkl mnop qrst uvwx yzab cdef", 22_050, 3).AsSpan(0, (int)(seconds * 22_050)).ToArray(), 22_050));

    [Fact]
    public void A_prompted_request_returns_only_the_new_speech_and_depends_on_the_prompt()
    {
        using var scope = NewDisposeScope();
        var prompt = Clip(0.9);   // 18 latent frames: 16 kept (4 whole blocks)
        var sampling = new ArditSamplingOptions { Steps = 2, Seed = 9 };
        var plain = speech.Synthesize(new SpeechRequest { Text = "more words", DurationSeconds = 1.0, Sampling = sampling });
        var prompted = speech.Synthesize(new SpeechRequest { Text = "more words", DurationSeconds = 1.0, Sampling = sampling, PromptLatents = prompt, PromptTranscript = "the clip" });
        var plan = speech.Plan(new SpeechRequest { Text = "more words", DurationSeconds = 1.0, PromptLatents = prompt, PromptTranscript = "the clip" });

        Assert.Equal(16, plan.PromptFrames);
        Assert.Equal(16 + 20, plan.TotalFrames);
        Assert.Equal(20, prompted.Frames);
        Assert.Equal(plain.Samples.Length, prompted.Samples.Length);
        Assert.True(plain.Samples.Zip(prompted.Samples, (a, b) => Math.Abs(a - b)).Max() > 1e-3, "the prompt changed nothing");
    }

    [Fact]
    public void A_prompt_as_long_as_the_model_allows_is_refused_with_its_length()
    {
        using var scope = NewDisposeScope();
        var error = Assert.Throws<ArgumentException>(() => speech.Plan(new SpeechRequest { Text = "hi", PromptLatents = Clip(3.3), PromptTranscript = "ab cd" }));
        Assert.Contains("prompt clip is 3.3 s", error.Message, StringComparison.Ordinal);
        Assert.Contains("at most 64 frames", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_prompt_without_transcript_a_transcript_without_prompt_and_a_prompt_shorter_than_a_block_are_refused()
    {
        using var scope = NewDisposeScope();
        Assert.Contains("needs its transcript", Assert.Throws<ArgumentException>(() => speech.Plan(new SpeechRequest { Text = "hi", PromptLatents = Clip(0.5) })).Message, StringComparison.Ordinal);
        Assert.Contains("without a prompt clip", Assert.Throws<ArgumentException>(() => speech.Plan(new SpeechRequest { Text = "hi", PromptTranscript = "ab" })).Message, StringComparison.Ordinal);
        Assert.Contains("shorter than one block", Assert.Throws<ArgumentException>(() => speech.Plan(new SpeechRequest { Text = "hi", PromptLatents = Clip(0.1), PromptTranscript = "ab" })).Message, StringComparison.Ordinal);
        Assert.Contains("Prompt latents must be", Assert.Throws<ArgumentException>(() => speech.Plan(new SpeechRequest { Text = "hi", PromptLatents = zeros(8, 3), PromptTranscript = "ab" })).Message, StringComparison.Ordinal);
    }

    public void Dispose()
    {
        model.Dispose();
        encoder.Dispose();
    }
}
