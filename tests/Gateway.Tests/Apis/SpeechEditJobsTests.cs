using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Media.Audio.IO;

namespace Media.Gateway.Tests;

/// <summary>
/// <c>speech-edit</c> jobs through <c>/api/jobs</c>, served by the real ARDiT generator on tiny random voices (one trained
/// with fill-in-the-middle by its config) and the committed aligner: the edited recording and where the new words landed.
/// </summary>
public sealed class SpeechEditJobsTests : IDisposable
{
    readonly GatewayFactory factory = new();
    readonly HttpClient client;

    public SpeechEditJobsTests()
    {
        TinyArditVoice.Write(factory.ModelsDirectory, infilling: true);
        client = factory.StartKestrel();
    }

    public void Dispose()
    {
        client.Dispose();
        factory.Dispose();
    }

    /// <summary>Two seconds of a voiced-like buzz at 16 kHz: something to encode and align (the random voice cannot tell).</summary>
    static string Recording()
    {
        const int rate = 16000;
        var samples = new float[2 * rate];
        for (int i = 0; i < samples.Length; i++)
            samples[i] = 0.3f * MathF.Sin(2 * MathF.PI * 140 * i / rate) * (0.6f + 0.4f * MathF.Sin(2 * MathF.PI * 3 * i / rate));
        return Convert.ToBase64String(WavFile.ToBytes(AudioBuffer.FromMono(samples, rate)));
    }

    [Theory]
    [InlineData("ardit-tts-fim", null, "fill-in-middle")]
    [InlineData("ardit-tts-fim", "left-context", "left-context")]
    [InlineData("ardit-tts", null, "left-context")]
    [Slow("ARDiT inference and alignment through the gateway")]
    public async Task An_edit_returns_the_edited_recording_and_where_the_new_words_landed(string model, string? method, string used)
    {
        var parameters = new Dictionary<string, object> { ["audio"] = Recording(), ["transcript"] = "hello there friend", ["text"] = "hello lovely friend", ["seed"] = 4 };
        if (method is not null) parameters["method"] = method;
        var submitted = await JobsApiTests.SubmitAsync(client, new { kind = "speech-edit", model, parameters });
        var done = await JobsApiTests.WaitFinishedAsync(client, submitted.GetProperty("id").GetString()!);
        Assert.True(done.GetProperty("status").GetString() == "succeeded", done.GetRawText());
        var artifacts = done.GetProperty("artifacts");
        var wav = WavFile.Read(await client.GetByteArrayAsync(new Uri(artifacts[0].GetProperty("url").GetString()!, UriKind.Relative)));
        using var report = JsonDocument.Parse(await client.GetByteArrayAsync(new Uri(artifacts[1].GetProperty("url").GetString()!, UriKind.Relative)));
        var edit = report.RootElement;
        Assert.Equal(used, edit.GetProperty("method").GetString());
        Assert.Equal("there", edit.GetProperty("replaced").GetString());
        Assert.Equal("lovely", edit.GetProperty("with").GetString());
        Assert.Equal("hello lovely friend", edit.GetProperty("text").GetString());
        // The new word sits inside the utterance, inside the regenerated stretch, and the recording is as long as the plan says.
        double start = edit.GetProperty("span_start_s").GetDouble(), end = edit.GetProperty("span_end_s").GetDouble();
        double duration = edit.GetProperty("duration_s").GetDouble();
        Assert.InRange(start, edit.GetProperty("regenerated_start_s").GetDouble(), end);
        Assert.InRange(end, start, edit.GetProperty("regenerated_end_s").GetDouble());
        Assert.True(end < duration && start > 0, edit.GetRawText());
        Assert.InRange(wav.Length / (double)wav.SampleRate, duration - 0.05, duration + 0.05);
    }

    [Fact]
    public async Task Fill_in_the_middle_on_a_voice_not_trained_for_it_and_a_missing_transcript_are_400s_naming_the_fields()
    {
        var method = await ProblemAsync(new { audio = Recording(), transcript = "hello there friend", text = "hello lovely friend", method = "fill-in-middle" });
        Assert.Equal("must be left-context: this voice was not trained with fill-in-the-middle (ardit-tts-fim was)", method["parameters.method"]);
        var missing = await ProblemAsync(new { audio = Recording(), text = "hello lovely friend" });
        Assert.Contains("parameters.transcript", missing.Keys);
    }

    async Task<Dictionary<string, string>> ProblemAsync(object parameters)
    {
        using var response = await client.PostAsJsonAsync("/api/jobs", new { kind = "speech-edit", model = "ardit-tts", parameters });
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        using var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return problem.RootElement.GetProperty("errors").EnumerateObject().ToDictionary(e => e.Name, e => Assert.Single(e.Value.EnumerateArray().ToArray()).GetString()!);
    }
}
