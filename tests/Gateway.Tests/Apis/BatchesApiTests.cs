using System.Net;
using System.Text;
using System.Text.Json;
using Media.Hosting.Tests.Support;

namespace Media.Gateway.Tests;

/// <summary>Batch rendering over real HTTP: JSONL in, OpenAI batch statuses, JSONL output and error files.</summary>
public sealed class BatchesApiTests : IDisposable
{
    readonly GatewayFactory factory = new(null, testModels: true, new Dictionary<string, string?> { ["Media:Jobs:Concurrency:image"] = "2" });
    readonly HttpClient client;

    public BatchesApiTests() => client = factory.StartKestrel();

    public void Dispose()
    {
        client.Dispose();
        factory.Dispose();
    }

    async Task<JsonElement> UploadAsync(string jsonl)
    {
        using var response = await client.PostAsync(new Uri("/api/batches", UriKind.Relative), new StringContent(jsonl, Encoding.UTF8, "application/jsonl"));
        Assert.True(response.StatusCode == HttpStatusCode.Accepted, await response.Content.ReadAsStringAsync());
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();
    }

    async Task<JsonElement> WaitAsync(string id, params string[] statuses)
    {
        for (int i = 0; i < 1500; i++)
        {
            var batch = JsonDocument.Parse(await client.GetStringAsync(new Uri($"/api/batches/{id}", UriKind.Relative))).RootElement.Clone();
            if (statuses.Contains(batch.GetProperty("status").GetString())) return batch;
            await Task.Delay(10);
        }
        throw new TimeoutException(id);
    }

    async Task<List<JsonElement>> FileAsync(string url) =>
        (await client.GetStringAsync(new Uri(url, UriKind.Relative))).Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => JsonDocument.Parse(l).RootElement.Clone()).ToList();

    static string Line(string customId, string kind, string model, object parameters) =>
        JsonSerializer.Serialize(new { custom_id = customId, request = new { kind, model, parameters } });

    [Fact]
    [Slow("twenty jobs end to end")]
    public async Task A_batch_of_twenty_mixed_jobs_completes_with_a_correct_output_file()
    {
        var lines = Enumerable.Range(0, 20).Select(i => i % 3 == 0
            ? Line($"req-{i}", "speech", TestModels.Speech, new { text = $"line {i}", steps = 2 })
            : Line($"req-{i}", "image", TestModels.Image, new { prompt = $"picture {i}", steps = 2, seed = i }));
        var created = await UploadAsync(string.Join('\n', lines) + "\n");
        Assert.Equal("batch", created.GetProperty("object").GetString());
        Assert.Contains(created.GetProperty("status").GetString(), new[] { "validating", "in_progress" });

        var batch = await WaitAsync(created.GetProperty("id").GetString()!, "completed", "failed");
        Assert.Equal("completed", batch.GetProperty("status").GetString());
        var counts = batch.GetProperty("request_counts");
        Assert.Equal((20, 20, 0), (counts.GetProperty("total").GetInt32(), counts.GetProperty("completed").GetInt32(), counts.GetProperty("failed").GetInt32()));
        Assert.Equal(JsonValueKind.Null, batch.GetProperty("error_file_id").ValueKind);
        foreach (string stamp in new[] { "in_progress_at", "finalizing_at", "completed_at" })
            Assert.Equal(JsonValueKind.String, batch.GetProperty(stamp).ValueKind);

        var output = await FileAsync(batch.GetProperty("output_file_url").GetString()!);
        Assert.Equal(Enumerable.Range(0, 20).Select(i => $"req-{i}").Order(StringComparer.Ordinal),
            output.Select(o => o.GetProperty("custom_id").GetString()!).Order(StringComparer.Ordinal));
        foreach (var line in output)
        {
            Assert.Equal("succeeded", line.GetProperty("status").GetString());
            Assert.Equal(JsonValueKind.Null, line.GetProperty("error").ValueKind);
            var job = JsonDocument.Parse(await client.GetStringAsync(new Uri($"/api/jobs/{line.GetProperty("job_id").GetString()}", UriKind.Relative))).RootElement;
            Assert.Equal(line.GetProperty("custom_id").GetString(), job.GetProperty("custom_id").GetString());
            Assert.Equal("batch", job.GetProperty("priority").GetString());
            string url = Assert.Single(line.GetProperty("artifacts").EnumerateArray()).GetString()!;
            using var artifact = await client.GetAsync(new Uri(url, UriKind.Relative));
            bool speech = job.GetProperty("kind").GetString() == "speech";
            Assert.Equal(speech ? "audio/wav" : "image/png", artifact.Content.Headers.ContentType?.MediaType);
        }
    }

    [Fact]
    public async Task Refused_requests_go_to_the_error_file_and_the_rest_still_run()
    {
        string jsonl = string.Join('\n',
            Line("ok", "image", TestModels.Image, new { prompt = "fine" }),
            Line("unknown", "image", "no-such-model", new { prompt = "x" }),
            Line("invalid", "image", TestModels.Image, new { prompt = "x", width = 100 }),
            Line("breaks", "image", TestModels.Broken, new { prompt = "x" }));
        var batch = await WaitAsync((await UploadAsync(jsonl)).GetProperty("id").GetString()!, "completed", "failed");
        Assert.Equal("completed", batch.GetProperty("status").GetString());
        var counts = batch.GetProperty("request_counts");
        Assert.Equal((4, 1, 3), (counts.GetProperty("total").GetInt32(), counts.GetProperty("completed").GetInt32(), counts.GetProperty("failed").GetInt32()));

        Assert.Equal(["ok"], (await FileAsync(batch.GetProperty("output_file_url").GetString()!)).Select(l => l.GetProperty("custom_id").GetString()));
        var errors = (await FileAsync(batch.GetProperty("error_file_url").GetString()!)).ToDictionary(l => l.GetProperty("custom_id").GetString()!);
        Assert.Equal(["breaks", "invalid", "unknown"], errors.Keys.Order(StringComparer.Ordinal));
        Assert.Equal("model_not_found", errors["unknown"].GetProperty("error").GetProperty("code").GetString());
        Assert.Equal("invalid_request", errors["invalid"].GetProperty("error").GetProperty("code").GetString());
        Assert.Equal("the test generator was told to fail at step 2", errors["breaks"].GetProperty("error").GetProperty("message").GetString());
        Assert.Equal(JsonValueKind.Null, errors["unknown"].GetProperty("job_id").ValueKind);
    }

    [Fact]
    public async Task A_song_list_renders_each_song_with_its_stems_and_a_bad_lyric_is_refused_naming_the_field()
    {
        const string lyrics = "[verse]\nwe hide behind a blue spire\n[chorus]\nthe dancers dream of a store";
        string jsonl = string.Join('\n',
            Line("mixed", "song", TestModels.Song, new { lyrics, description = "soft rock, 100 bpm", duration_seconds = 1, mode = "mixed-pro" }),
            Line("dual", "song", TestModels.Song, new { lyrics, duration_seconds = 2, mode = "interleaving-a-v" }),
            Line("outro", "song", TestModels.Song, new { lyrics = "[outro]\nla la la" }));
        var batch = await WaitAsync((await UploadAsync(jsonl)).GetProperty("id").GetString()!, "completed", "failed");
        var counts = batch.GetProperty("request_counts");
        Assert.Equal((3, 2, 1), (counts.GetProperty("total").GetInt32(), counts.GetProperty("completed").GetInt32(), counts.GetProperty("failed").GetInt32()));

        var output = (await FileAsync(batch.GetProperty("output_file_url").GetString()!)).ToDictionary(l => l.GetProperty("custom_id").GetString()!);
        var names = new Dictionary<string, string[]>();
        foreach (var (id, line) in output)
        {
            var files = new List<string>();
            foreach (var url in line.GetProperty("artifacts").EnumerateArray())
            {
                using var file = await client.GetAsync(new Uri(url.GetString()!, UriKind.Relative));
                Assert.Equal("audio/wav", file.Content.Headers.ContentType?.MediaType);
                files.Add(file.Content.Headers.ContentDisposition!.FileName!.Trim('"'));
                Assert.Equal(id == "mixed" ? 1 : 2, Media.Audio.IO.WavFile.Read(await file.Content.ReadAsByteArrayAsync()).DurationSeconds, 6);
            }
            names[id] = [.. files];
        }
        Assert.Equal(["song.wav"], names["mixed"]);
        Assert.Equal(["song.wav", "vocals.wav", "accompaniment.wav"], names["dual"]);
        var error = Assert.Single(await FileAsync(batch.GetProperty("error_file_url").GetString()!));
        Assert.Equal("outro", error.GetProperty("custom_id").GetString());
        Assert.Contains("parameters.lyrics", error.GetProperty("error").GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_malformed_file_fails_the_batch_with_line_errors_and_runs_nothing()
    {
        string jsonl = Line("a", "image", TestModels.Image, new { prompt = "x" }) + "\nnot json\n" + Line("a", "image", TestModels.Image, new { prompt = "y" }) + "\n{\"custom_id\":\"b\"}";
        var batch = await WaitAsync((await UploadAsync(jsonl)).GetProperty("id").GetString()!, "failed", "completed");
        Assert.Equal("failed", batch.GetProperty("status").GetString());
        var errors = batch.GetProperty("errors").GetProperty("data").EnumerateArray().Select(e => (e.GetProperty("code").GetString(), e.GetProperty("line").GetInt32())).ToList();
        Assert.Equal([("invalid_json", 2), ("duplicate_custom_id", 3), ("invalid_line", 4)], errors);
        using var jobs = JsonDocument.Parse(await client.GetStringAsync(new Uri($"/api/jobs?batch_id={batch.GetProperty("id").GetString()}", UriKind.Relative)));
        Assert.Equal(0, jobs.RootElement.GetProperty("data").GetArrayLength());
    }

    [Fact]
    [Slow("waits for slow jobs")]
    public async Task Cancelling_a_batch_cancels_its_unfinished_jobs_and_ends_cancelled()
    {
        var lines = Enumerable.Range(0, 6).Select(i => Line($"slow-{i}", "image", TestModels.Slow, new { prompt = "slow", steps = 20 }));
        string id = (await UploadAsync(string.Join('\n', lines))).GetProperty("id").GetString()!;
        await WaitAsync(id, "in_progress");
        using var cancel = await client.PostAsync(new Uri($"/api/batches/{id}/cancel", UriKind.Relative), null);
        Assert.Equal(HttpStatusCode.OK, cancel.StatusCode);
        var batch = await WaitAsync(id, "cancelled");
        Assert.Equal(6, batch.GetProperty("request_counts").GetProperty("failed").GetInt32());
        var errors = await FileAsync(batch.GetProperty("error_file_url").GetString()!);
        Assert.All(errors, e => Assert.Equal("cancelled", e.GetProperty("status").GetString()));
    }
}
