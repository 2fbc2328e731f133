using System.Text.Json;
using Media.Audio.IO;
using Media.Modeling.Diffusion;
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
    [InlineData(true, false, "parameters.prompt_text is required with prompt_audio")]
    [InlineData(false, true, "parameters.prompt_audio is required with prompt_text")]
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

    [Theory]
    [InlineData("euler", FlowSolver.Euler)]
    [InlineData("adams2", FlowSolver.Adams2)]
    public void Every_sampling_field_reaches_the_request(string solver, FlowSolver expected)
    {
        var request = ArditSpeechGenerator.Parse(Json(new { text = "hello", duration = 1.25, steps = 3, solver, block_size = 1, seed = 9_007_199_254_740_991L }));
        Assert.Equal("hello", request.Text);
        Assert.Equal(1.25, request.DurationSeconds);
        Assert.Equal(new ArditSamplingOptions { Steps = 3, Solver = expected, BlockSize = 1, Seed = 9_007_199_254_740_991L }, request.Sampling);
    }

    [Fact]
    public void A_distilled_voice_gives_a_job_without_steps_its_own_count()
    {
        Assert.Equal(1, ArditSpeechGenerator.Parse(Json(new { text = "hello" }), defaultSteps: 1).Sampling.Steps);
        Assert.Equal(3, ArditSpeechGenerator.Parse(Json(new { text = "hello", steps = 3 }), defaultSteps: 1).Sampling.Steps);
    }

    [Fact]
    public void Defaults_are_eight_euler_steps_the_models_block_size_and_the_predicted_duration()
    {
        var request = ArditSpeechGenerator.Parse(Json(new { text = "hello", voice = "alloy" }));
        Assert.Equal(new ArditSamplingOptions { Steps = 8, Solver = FlowSolver.Euler, BlockSize = null, Seed = 0 }, request.Sampling);
        Assert.Null(request.DurationSeconds);
        Assert.Equal(1.0, request.Pace);
    }

    [Theory]
    [InlineData(0.5, null, 0.5)]
    [InlineData(null, 4.0, 0.25)]
    [InlineData(null, 0.25, 4.0)]
    public void Pace_is_given_directly_or_as_one_over_speed(double? pace, double? speed, double expected)
    {
        var parameters = new Dictionary<string, object> { ["text"] = "hello" };
        if (pace is { } p) parameters["pace"] = p;
        if (speed is { } v) parameters["speed"] = v;
        Assert.Equal(expected, ArditSpeechGenerator.Parse(Json(parameters)).Pace, 12);
    }

    [Theory]
    [InlineData("""{"text":"x","pace":2,"speed":2}""", "parameters.pace cannot be given with speed", "parameters.speed cannot be given with pace")]
    [InlineData("""{"text":"x","duration":2,"speed":2}""", "parameters.duration cannot be given with speed", "parameters.speed cannot be given with duration")]
    [InlineData("""{"text":"x","steps":65,"solver":"rk4"}""", "parameters.solver must be one of euler, adams2", "parameters.steps must be within 1..64")]
    public void Parameters_the_schema_refuses_are_refused_with_every_field_named(string json, string first, string second)
    {
        var error = Assert.Throws<ArgumentException>(() => ArditSpeechGenerator.Parse(JsonDocument.Parse(json).RootElement));
        Assert.Contains(first, error.Message, StringComparison.Ordinal);
        Assert.Contains(second, error.Message, StringComparison.Ordinal);
    }

    public void Dispose() => encoder.Dispose();
}
