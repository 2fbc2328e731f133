using System.Text.Json;
using Media.Audio.IO;
using Media.Services.Audio.Speech.Generation;
using Media.Services.Audio.Tests.Ardit;
using static TorchSharp.torch;

namespace Media.Services.Audio.Tests.Speech.Generation;

/// <summary>Speech job parameters, the zero-shot prompt (base64 WAV + transcript) included.</summary>
[Collection(SingleThreadedTorch.Name)]
public sealed class ArditSpeechGeneratorTests : IDisposable
{
    readonly SpeechPromptEncoder encoder = SpeechPromptEncoder.Load(CommittedModels.Folder, CPU);

    static JsonElement Json(object parameters) => JsonSerializer.SerializeToElement(parameters);

    static string Wav(double seconds, int rate = 16_000) =>
        Convert.ToBase64String(WavFile.ToBytes(AudioBuffer.FromMono(SpeechTestData.Syllables("abcdefghij", rate, 1).AsSpan(0, (int)(seconds * rate)).ToArray(), rate)));

    [Fact]
    public void A_base64_wav_prompt_with_its_transcript_becomes_prompt_latents()
    {
        using var scope = NewDisposeScope();
        var request = ArditSpeechGenerator.Parse(Json(new { text = "next", prompt_audio = Wav(0.6), prompt_text = "what it says", speed = 2.0 }), encoder);
        Assert.NotNull(request.PromptLatents);
        Assert.Equal(new long[] { 12, encoder.LatentDim }, request.PromptLatents.shape);   // 0.6 s x 20 Hz
        Assert.Equal("what it says", request.PromptTranscript);
        Assert.Equal(0.5, request.Pace);   // twice the speed is half the duration
    }

    [Theory]
    [InlineData(true, false, "needs both")]
    [InlineData(false, true, "needs both")]
    public void Half_a_prompt_is_refused(bool audio, bool text, string message)
    {
        var parameters = new Dictionary<string, object> { ["text"] = "next" };
        if (audio) parameters["prompt_audio"] = Wav(0.3);
        if (text) parameters["prompt_text"] = "words";
        var error = Assert.Throws<ArgumentException>(() => ArditSpeechGenerator.Parse(Json(parameters), encoder));
        Assert.Contains(message, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_prompt_that_is_not_base64_or_not_a_wav_is_a_clear_error()
    {
        Assert.Contains("base64", Assert.Throws<ArgumentException>(() => ArditSpeechGenerator.Parse(Json(new { text = "x", prompt_audio = "not base64!", prompt_text = "y" }), encoder)).Message, StringComparison.Ordinal);
        Assert.Throws<AudioFormatException>(() => ArditSpeechGenerator.Parse(Json(new { text = "x", prompt_audio = Convert.ToBase64String([1, 2, 3, 4]), prompt_text = "y" }), encoder));
        Assert.Contains("no \"prompt_audio\"", Assert.Throws<ArgumentException>(() => ArditSpeechGenerator.Parse(Json(new { text = "x", prompt_audio = Wav(0.3), prompt_text = "y" }))).Message, StringComparison.Ordinal);
    }

    public void Dispose() => encoder.Dispose();
}
