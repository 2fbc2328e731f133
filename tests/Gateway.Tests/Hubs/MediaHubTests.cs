using System.Text.Json;
using System.Text.Json.Serialization;
using Media.Hosting.Contracts;
using Media.Hosting.Jobs;
using Media.Hosting.Tests.Support;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;

namespace Media.Gateway.Tests;

/// <summary>The SignalR hub over real WebSockets on 127.0.0.1, with both protocols.</summary>
public sealed class MediaHubTests : IAsyncDisposable
{
    readonly GatewayFactory factory = new(null, testModels: true);
    readonly HttpClient client;

    public MediaHubTests() => client = factory.StartKestrel();

    public async ValueTask DisposeAsync()
    {
        client.Dispose();
        await factory.DisposeAsync();
    }

    async Task<HubConnection> ConnectAsync(bool messagePack)
    {
        var builder = new HubConnectionBuilder().WithUrl(new Uri(factory.BaseAddress!, "/hubs/media")).WithStatefulReconnect();
        if (messagePack) builder.AddMessagePackProtocol();
        else builder.AddJsonProtocol(o =>
        {
            o.PayloadSerializerOptions.PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower;
            o.PayloadSerializerOptions.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.KebabCaseLower));
        });
        var connection = builder.Build();
        await connection.StartAsync();
        return connection;
    }

    static HubJobRequest Request(string kind, string model, Dictionary<string, object?> parameters) =>
        new() { Kind = kind, Model = model, Parameters = parameters };

    static async Task<List<JobEvent>> StreamAsync(HubConnection connection, string jobId, long after, int stopAfter = int.MaxValue)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        var events = new List<JobEvent>();
        await foreach (var e in connection.StreamAsync<JobEvent>("Stream", jobId, after, timeout.Token))
        {
            events.Add(e);
            if (events.Count == stopAfter) break;
        }
        return events;
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Speech_streams_its_PCM_chunks_as_bytes_in_order(bool messagePack)
    {
        await using var connection = await ConnectAsync(messagePack);
        var job = await connection.InvokeAsync<HubJob>("Submit", Request("speech", TestModels.Speech, new() { ["text"] = "hello", ["steps"] = 4 }));
        Assert.Equal("queued", job.Status);

        var events = await StreamAsync(connection, job.Id, 0);
        Assert.Equal(JobEventType.Completed, events[^1].Type);
        Assert.Equal(Enumerable.Range(1, events.Count).Select(i => (long)i), events.Select(e => e.Sequence));
        var chunks = events.Where(e => e.Type == JobEventType.AudioChunk).ToList();
        Assert.Equal(4, chunks.Count);
        for (int step = 1; step <= 4; step++)
        {
            Assert.Equal(StepGenerator.Chunk(step), chunks[step - 1].Payload);
            Assert.Equal((StepGenerator.SampleRate, 1, "audio/pcm"), (chunks[step - 1].SampleRate!.Value, chunks[step - 1].Channels!.Value, chunks[step - 1].ContentType));
        }
        var finished = await connection.InvokeAsync<HubJob>("GetJob", job.Id);
        Assert.Equal(("succeeded", 1), (finished.Status, finished.Artifacts.Length));
        Assert.Equal(events[^1].Artifacts!, finished.Artifacts);
    }

    [Fact]
    public async Task A_client_that_disconnects_mid_stream_and_resumes_from_its_last_sequence_loses_nothing()
    {
        string jobId;
        var seen = new List<JobEvent>();
        await using (var first = await ConnectAsync(messagePack: true))
        {
            jobId = (await first.InvokeAsync<HubJob>("Submit", Request("image", TestModels.Image, new() { ["prompt"] = "resume", ["steps"] = 30 }))).Id;
            seen.AddRange(await StreamAsync(first, jobId, 0, stopAfter: 6));
        } // the connection is gone while the job keeps running

        await using (var second = await ConnectAsync(messagePack: false))
            seen.AddRange(await StreamAsync(second, jobId, seen[^1].Sequence));

        var store = factory.Services.GetRequiredService<IJobStore>();
        var log = await store.ReadEventsAsync(jobId, 0, 1000, CancellationToken.None);
        Assert.Equal(34, log.Count); // queued, started, 30 progress, preview, completed
        Assert.Equal(log.Select(e => (e.Sequence, e.Type)), seen.Select(e => (e.Sequence, e.Type)));
        var preview = seen.Single(e => e.Type == JobEventType.Preview);
        Assert.Equal(log.Single(e => e.Type == JobEventType.Preview).Payload, preview.Payload);
    }

    [Fact]
    public async Task Cancel_and_queue_position_work_over_the_hub_and_refusals_are_hub_errors()
    {
        await using var connection = await ConnectAsync(messagePack: true);
        var slow = await connection.InvokeAsync<HubJob>("Submit", Request("image", TestModels.Slow, new() { ["prompt"] = "slow", ["steps"] = 40 }));
        await StreamAsync(connection, slow.Id, 0, stopAfter: 2); // started
        var waiting = await connection.InvokeAsync<HubJob>("Submit", Request("image", TestModels.Image, new() { ["prompt"] = "waits" }));
        Assert.Equal(0, await connection.InvokeAsync<int?>("QueuePosition", waiting.Id));
        Assert.Null(await connection.InvokeAsync<int?>("QueuePosition", slow.Id));

        Assert.Equal("running", (await connection.InvokeAsync<HubJob>("Cancel", slow.Id)).Status);
        var tail = await StreamAsync(connection, slow.Id, 2);
        Assert.Equal(JobEventType.Cancelled, tail[^1].Type);

        var unknown = await Assert.ThrowsAsync<HubException>(() => connection.InvokeAsync<HubJob>("Submit", Request("image", "no-such-model", new() { ["prompt"] = "x" })));
        Assert.Contains("model not found", unknown.Message, StringComparison.Ordinal);
        var invalid = await Assert.ThrowsAsync<HubException>(() => connection.InvokeAsync<HubJob>("Submit", Request("image", TestModels.Image, new() { ["prompt"] = "x", ["width"] = 100 })));
        Assert.Contains("parameters.width", invalid.Message, StringComparison.Ordinal);
        await Assert.ThrowsAsync<HubException>(() => StreamAsync(connection, "job_missing", 0));
    }
}
