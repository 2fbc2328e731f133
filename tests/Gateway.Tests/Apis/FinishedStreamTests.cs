using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.Json.Serialization;
using Media.Hosting.Jobs;
using Media.Hosting.Tests.Support;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;

namespace Media.Gateway.Tests;

/// <summary>
/// Issue 22 §1.2: resuming a finished job's stream at or past its terminal event ends at once (SSE and the hub), and a
/// queued job's SSE stream carries heartbeat comments so proxies keep it open.
/// </summary>
public sealed class FinishedStreamTests : IAsyncDisposable
{
    readonly GatewayFactory factory = new(null, testModels: true, new Dictionary<string, string?> { ["Media:Jobs:HeartbeatSeconds"] = "1" });
    readonly HttpClient client;

    public FinishedStreamTests() => client = factory.StartKestrel();

    public async ValueTask DisposeAsync()
    {
        client.Dispose();
        await factory.DisposeAsync();
    }

    async Task<(string Id, long Terminal)> FinishedJobAsync()
    {
        var job = await JobsApiTests.SubmitAsync(client, new { kind = "image", model = TestModels.Image, parameters = new { prompt = "a fox", steps = 2 } });
        string id = job.GetProperty("id").GetString()!;
        var events = await SseClient.ReadAsync(client, id);
        Assert.Equal("completed", events[^1].Type);
        return (id, events[^1].Id);
    }

    [Fact]
    public async Task An_sse_client_resuming_at_or_past_the_terminal_event_gets_an_ended_stream()
    {
        var (id, terminal) = await FinishedJobAsync();
        // SseClient gives up after 20 s (the test then fails); before the fix each of these hung until then.
        Assert.Empty(await SseClient.ReadAsync(client, id, lastEventId: terminal));
        Assert.Empty(await SseClient.ReadAsync(client, id, lastEventId: terminal + 10));
        var replay = await SseClient.ReadAsync(client, id, lastEventId: terminal - 1);
        Assert.Equal([terminal], replay.Select(e => e.Id));
    }

    [Fact]
    public async Task A_hub_client_resuming_at_or_past_the_terminal_event_gets_a_completed_stream()
    {
        var (id, terminal) = await FinishedJobAsync();
        var connection = new HubConnectionBuilder().WithUrl(new Uri(factory.BaseAddress!, "/hubs/media"))
            .AddJsonProtocol(o =>
            {
                o.PayloadSerializerOptions.PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower;
                o.PayloadSerializerOptions.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.KebabCaseLower));
            }).Build();
        await connection.StartAsync();
        try
        {
            foreach (long after in new[] { terminal, terminal + 10 })
            {
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
                var seen = new List<JobEvent>();
                await foreach (var e in connection.StreamAsync<JobEvent>("Stream", id, after, timeout.Token)) seen.Add(e);
                Assert.Empty(seen);
            }
        }
        finally
        {
            await connection.DisposeAsync();
        }
    }

    [Fact]
    public async Task A_queued_jobs_stream_sends_heartbeat_comments_until_it_starts()
    {
        // The image worker runs one job at a time: the second job waits about 3 s behind the first.
        var first = await JobsApiTests.SubmitAsync(client, new { kind = "image", model = TestModels.Slow, parameters = new { prompt = "first", steps = 20 } });
        var second = await JobsApiTests.SubmitAsync(client, new { kind = "image", model = TestModels.Slow, parameters = new { prompt = "second", steps = 1 } });
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/api/jobs/{second.GetProperty("id").GetString()}/events");
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(timeout.Token));
        var lines = new List<string>();
        while (await reader.ReadLineAsync(timeout.Token) is { } line)
        {
            lines.Add(line);
            if (line == "event: started") break;
        }
        int started = lines.IndexOf("event: started");
        int queued = lines.IndexOf("event: queued");
        Assert.True(queued >= 0 && started > queued, string.Join("\n", lines));
        Assert.Contains(": heartbeat", lines[queued..started]);
        await client.DeleteAsync(new Uri($"/api/jobs/{first.GetProperty("id").GetString()}", UriKind.Relative));
    }
}
