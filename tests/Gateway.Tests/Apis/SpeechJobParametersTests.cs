using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Media.Audio.IO;

namespace Media.Gateway.Tests;

/// <summary>Speech jobs' sampling fields through <c>/api/jobs</c>, served by the real ARDiT generator on a tiny random voice.</summary>
public sealed class SpeechJobParametersTests : IDisposable
{
    readonly GatewayFactory factory = new();
    readonly HttpClient client;

    public SpeechJobParametersTests()
    {
        TinyArditVoice.Write(factory.ModelsDirectory, student: true);
        client = factory.StartKestrel();
    }

    public void Dispose()
    {
        client.Dispose();
        factory.Dispose();
    }

    [Theory]
    [InlineData(1.3, 1, 2, "adams2")]
    [InlineData(0.8, 4, 3, "euler")]
    [Slow("ARDiT inference through the gateway")]
    public async Task A_speech_job_with_duration_block_size_steps_and_solver_gives_that_duration_within_one_latent_frame(double duration, int blockSize, int steps, string solver)
    {
        var submitted = await JobsApiTests.SubmitAsync(client, new
        {
            kind = "speech", model = "ardit-tts",
            parameters = new { text = "hello there", duration, block_size = blockSize, steps, solver, seed = 5 },
        });
        var done = await JobsApiTests.WaitFinishedAsync(client, submitted.GetProperty("id").GetString()!);
        Assert.True(done.GetProperty("status").GetString() == "succeeded", done.GetRawText());
        var wav = WavFile.Read(await client.GetByteArrayAsync(new Uri(done.GetProperty("artifacts")[0].GetProperty("url").GetString()!, UriKind.Relative)));
        double frame = wav.SampleRate / 20.0;   // samples per latent frame at the VAE's 20 Hz
        Assert.InRange(wav.Length, duration * wav.SampleRate - frame, duration * wav.SampleRate + frame);
    }

    [Fact]
    public async Task A_duration_past_the_voice_a_block_size_it_was_not_trained_with_and_speed_with_pace_are_400s_naming_the_fields()
    {
        var errors = await ProblemAsync(new { text = "hello", duration = TinyArditVoice.MaxSeconds + 0.1, block_size = 2 });
        Assert.Equal(["parameters.block_size", "parameters.duration"], errors.Keys.Order(StringComparer.Ordinal));
        Assert.Equal("must be at most 3 s: this model makes at most 60 latent frames at 20 Hz", errors["parameters.duration"]);
        Assert.Equal("must be one of 1, 4: the block sizes this model was trained with", errors["parameters.block_size"]);

        var both = await ProblemAsync(new { text = "hello", speed = 2, pace = 0.5 });
        Assert.Equal(["parameters.pace", "parameters.speed"], both.Keys.Order(StringComparer.Ordinal));
        Assert.StartsWith("cannot be given with speed", both["parameters.pace"], StringComparison.Ordinal);

        var solver = await ProblemAsync(new { text = "hello", solver = "rk4", steps = 100 });
        Assert.Equal("must be one of euler, adams2", solver["parameters.solver"]);
        Assert.Equal("must be within 1..64", solver["parameters.steps"]);
    }

    [Fact]
    [Slow("ARDiT inference through the gateway")]
    public async Task The_distilled_voice_speaks_at_one_step_and_refuses_other_step_counts()
    {
        var submitted = await JobsApiTests.SubmitAsync(client, new { kind = "speech", model = "ardit-tts-1step", parameters = new { text = "hello there", seed = 3 } });
        var done = await JobsApiTests.WaitFinishedAsync(client, submitted.GetProperty("id").GetString()!);
        Assert.True(done.GetProperty("status").GetString() == "succeeded", done.GetRawText());
        Assert.True(WavFile.Read(await client.GetByteArrayAsync(new Uri(done.GetProperty("artifacts")[0].GetProperty("url").GetString()!, UriKind.Relative))).Length > 0);

        var errors = await ProblemAsync(new { text = "hello", steps = 8 }, "ardit-tts-1step");
        Assert.Equal("must be 1: this voice is distilled to 1 network evaluation per block (ardit-tts takes other step counts)", errors["parameters.steps"]);

        // The OpenAI route reaches it by model id.
        using var speech = await client.PostAsJsonAsync("/v1/audio/speech", new { model = "ardit-tts-1step", input = "hello there", response_format = "wav" });
        Assert.Equal(HttpStatusCode.OK, speech.StatusCode);
        Assert.True(WavFile.Read(await speech.Content.ReadAsByteArrayAsync()).Length > 0);
    }

    async Task<Dictionary<string, string>> ProblemAsync(object parameters, string model = "ardit-tts")
    {
        using var response = await client.PostAsJsonAsync("/api/jobs", new { kind = "speech", model, parameters });
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        using var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return problem.RootElement.GetProperty("errors").EnumerateObject().ToDictionary(e => e.Name, e => Assert.Single(e.Value.EnumerateArray().ToArray()).GetString()!);
    }
}
