using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Media.Hosting.Tests.Support;

namespace Media.Gateway.Tests;

/// <summary>The jobs REST API over real HTTP on 127.0.0.1, with the test generators.</summary>
public sealed class JobsApiTests : IDisposable
{
    readonly GatewayFactory factory;
    readonly HttpClient client;

    public JobsApiTests()
    {
        factory = new GatewayFactory(null, testModels: true);
        client = factory.StartKestrel();
    }

    public void Dispose()
    {
        client.Dispose();
        factory.Dispose();
    }

    internal static async Task<JsonElement> SubmitAsync(HttpClient client, object body, string? idempotencyKey = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/jobs") { Content = JsonContent.Create(body) };
        if (idempotencyKey is not null) request.Headers.Add("Idempotency-Key", idempotencyKey);
        using var response = await client.SendAsync(request);
        Assert.True(response.StatusCode == HttpStatusCode.Accepted, await response.Content.ReadAsStringAsync());
        var job = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();
        Assert.Equal($"/api/jobs/{job.GetProperty("id").GetString()}", response.Headers.Location?.OriginalString);
        return job;
    }

    internal static async Task<JsonElement> WaitFinishedAsync(HttpClient client, string id)
    {
        for (int i = 0; i < 1000; i++)
        {
            var job = JsonDocument.Parse(await client.GetStringAsync(new Uri($"/api/jobs/{id}", UriKind.Relative))).RootElement.Clone();
            if (job.GetProperty("status").GetString() is "succeeded" or "failed" or "cancelled") return job;
            await Task.Delay(10);
        }
        throw new TimeoutException(id);
    }

    [Fact]
    public async Task A_job_goes_from_submission_to_a_downloadable_tagged_artifact()
    {
        var submitted = await SubmitAsync(client, new { kind = "image", model = TestModels.Image, parameters = new { prompt = "a fox", seed = 99 } });
        string id = submitted.GetProperty("id").GetString()!;
        Assert.Equal("queued", submitted.GetProperty("status").GetString());
        Assert.Equal($"/api/jobs/{id}/events", submitted.GetProperty("events_url").GetString());

        var done = await WaitFinishedAsync(client, id);
        Assert.Equal("succeeded", done.GetProperty("status").GetString());
        string url = done.GetProperty("artifacts")[0].GetProperty("url").GetString()!;
        using var artifact = await client.GetAsync(new Uri(url, UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, artifact.StatusCode);
        Assert.Equal("image/png", artifact.Content.Headers.ContentType?.MediaType);
        var text = TinyMedia.PngChunks(await artifact.Content.ReadAsByteArrayAsync()).Where(c => c.Type == "tEXt").Select(c => Encoding.Latin1.GetString(c.Data));
        Assert.Contains("seed\u000099", text);

        var events = await SseClient.ReadAsync(client, id);
        Assert.Equal(["queued", "started", "progress", "progress", "progress", "preview", "progress", "progress", "completed"], events.Select(e => e.Type));
        Assert.Equal(Enumerable.Range(1, 9).Select(i => (long)i), events.Select(e => e.Id));
        Assert.Equal(events.Select(e => e.Id), events.Select(e => e.Data.GetProperty("sequence").GetInt64()));
        Assert.Equal(3, events[4].Data.GetProperty("step").GetInt32());
        Assert.StartsWith("\x89PNG", Encoding.Latin1.GetString(events[5].Data.GetProperty("payload").GetBytesFromBase64()), StringComparison.Ordinal);

        using var list = JsonDocument.Parse(await client.GetStringAsync(new Uri("/api/jobs?status=succeeded&kind=image&limit=5", UriKind.Relative)));
        Assert.Equal(id, list.RootElement.GetProperty("data")[0].GetProperty("id").GetString());
    }

    [Fact]
    public async Task An_idempotency_key_retry_returns_the_same_job()
    {
        var body = new { kind = "image", model = TestModels.Image, parameters = new { prompt = "same" } };
        var first = await SubmitAsync(client, body, "retry-1");
        var second = await SubmitAsync(client, body, "retry-1");
        Assert.Equal(first.GetProperty("id").GetString(), second.GetProperty("id").GetString());
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/jobs") { Content = JsonContent.Create(new { kind = "image", model = TestModels.Image, parameters = new { prompt = "different" } }) };
        request.Headers.Add("Idempotency-Key", "retry-1");
        Assert.Equal(HttpStatusCode.Conflict, (await client.SendAsync(request)).StatusCode);
    }

    [Fact]
    [Slow("waits for slow jobs")]
    public async Task Sse_resumed_from_Last_Event_ID_delivers_every_event_exactly_once_in_order()
    {
        var job = await SubmitAsync(client, new { kind = "image", model = TestModels.Image, parameters = new { prompt = "resume", steps = 30 } });
        string id = job.GetProperty("id").GetString()!;
        var seen = new List<SseEvent>();
        // Three connections: two cut off mid-stream, each resuming after the last id it got.
        seen.AddRange(await SseClient.ReadAsync(client, id, stopAfter: 4));
        seen.AddRange(await SseClient.ReadAsync(client, id, lastEventId: seen[^1].Id, stopAfter: 9));
        seen.AddRange(await SseClient.ReadAsync(client, id, lastEventId: seen[^1].Id));

        var all = await SseClient.ReadAsync(client, id); // the whole log, after the fact
        Assert.Equal(30 + 4, all.Count); // queued, started, 30 progress, preview, completed
        Assert.Equal(all.Select(e => (e.Id, e.Type)), seen.Select(e => (e.Id, e.Type)));
        Assert.Equal("completed", seen[^1].Type);
    }

    [Fact]
    public async Task Deleting_a_running_job_stops_it_within_one_step()
    {
        var job = await SubmitAsync(client, new { kind = "image", model = TestModels.Slow, parameters = new { prompt = "slow", steps = 50 } });
        string id = job.GetProperty("id").GetString()!;
        await SseClient.ReadAsync(client, id, stopAfter: 4); // queued, started, two progress events

        int begunAtCancel = factory.Models.SlowGenerator.StepsBegun;
        using var cancel = await client.DeleteAsync(new Uri($"/api/jobs/{id}", UriKind.Relative));
        Assert.Equal(HttpStatusCode.Accepted, cancel.StatusCode);
        var done = await WaitFinishedAsync(client, id);
        Assert.Equal("cancelled", done.GetProperty("status").GetString());
        Assert.InRange(factory.Models.SlowGenerator.StepsBegun, begunAtCancel, begunAtCancel + 1);
        Assert.Equal("cancelled", (await SseClient.ReadAsync(client, id))[^1].Type);
        using var again = await client.DeleteAsync(new Uri($"/api/jobs/{id}", UriKind.Relative));
        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
    }

    [Fact]
    public async Task A_failing_generator_fails_the_job_with_its_reason_and_the_service_keeps_serving()
    {
        var broken = await SubmitAsync(client, new { kind = "image", model = TestModels.Broken, parameters = new { prompt = "x" } });
        var failed = await WaitFinishedAsync(client, broken.GetProperty("id").GetString()!);
        Assert.Equal("failed", failed.GetProperty("status").GetString());
        Assert.Equal("the test generator was told to fail at step 2", failed.GetProperty("failure_reason").GetString());
        var fine = await SubmitAsync(client, new { kind = "speech", model = TestModels.Speech, parameters = new { text = "still here" } });
        var done = await WaitFinishedAsync(client, fine.GetProperty("id").GetString()!);
        Assert.Equal("succeeded", done.GetProperty("status").GetString());
        using var wav = await client.GetAsync(new Uri(done.GetProperty("artifacts")[0].GetProperty("url").GetString()!, UriKind.Relative));
        Assert.Equal("audio/wav", wav.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task Unknown_and_untrained_models_get_404_and_409_problems()
    {
        using var unknown = await client.PostAsJsonAsync("/api/jobs", new { kind = "image", model = "no-such-model", parameters = new { prompt = "x" } });
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Equal("application/problem+json", unknown.Content.Headers.ContentType?.MediaType);

        using var untrained = await client.PostAsJsonAsync("/api/jobs", new { kind = "image", model = "token-shuffle", parameters = new { prompt = "x" } });
        Assert.Equal(HttpStatusCode.Conflict, untrained.StatusCode);
        using var body = JsonDocument.Parse(await untrained.Content.ReadAsStringAsync());
        Assert.Contains("no trained checkpoint", body.RootElement.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Metrics_are_exported_as_Prometheus_text()
    {
        var job = await SubmitAsync(client, new { kind = "image", model = TestModels.Image, parameters = new { prompt = "m" } });
        await WaitFinishedAsync(client, job.GetProperty("id").GetString()!);
        string metrics = "";
        for (int i = 0; i < 50 && !metrics.Contains("media_job_step_time", StringComparison.Ordinal); i++)
        {
            metrics = await client.GetStringAsync(new Uri("/metrics", UriKind.Relative));
            await Task.Delay(100);
        }
        Assert.Contains("media_queue_depth", metrics, StringComparison.Ordinal);
        Assert.Contains("media_jobs{", metrics, StringComparison.Ordinal);
        Assert.Contains("status=\"succeeded\"", metrics, StringComparison.Ordinal);
        Assert.Contains("media_job_time_to_first_event_seconds_bucket", metrics, StringComparison.Ordinal);
        Assert.Contains("media_job_step_time_seconds_count", metrics, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_OpenAPI_document_lists_every_route_and_the_Scalar_page_is_served()
    {
        using var doc = JsonDocument.Parse(await client.GetStringAsync(new Uri("/openapi/v1.json", UriKind.Relative)));
        var paths = doc.RootElement.GetProperty("paths").EnumerateObject().Select(p => p.Name).ToList();
        foreach (string path in new[] { "/api/jobs", "/api/jobs/{id}", "/api/jobs/{id}/events", "/api/artifacts/{id}", "/api/batches", "/api/batches/{id}", "/api/batches/{id}/cancel", "/api/models",
                     "/v1/files", "/v1/files/{id}", "/v1/files/{id}/content", "/v1/batches", "/v1/batches/{id}", "/v1/batches/{id}/cancel" })
            Assert.Contains(path, paths);
        // The health endpoints are ASP.NET Core health checks, which the document does not describe (docs/API.md does).
        using var scalar = await client.GetAsync(new Uri("/scalar", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, scalar.StatusCode);
        Assert.Equal("text/html", scalar.Content.Headers.ContentType?.MediaType);
    }
}
