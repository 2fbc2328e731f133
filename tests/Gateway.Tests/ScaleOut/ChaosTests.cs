using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.Json.Serialization;
using Media.Hosting.Contracts;
using Media.Hosting.Jobs;
using Media.LocalCluster;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;
using static Media.Gateway.Tests.ScaleOut.ClusterClient;

namespace Media.Gateway.Tests.ScaleOut;

/// <summary>
/// Issue 13 §4, chaos: a real scale-out deployment from the built programs — redis-server and PostgreSQL started by the
/// tests, two gateways (<c>--Media:Role=gateway</c>) and image workers (<c>services/Image</c>, one libtorch thread each)
/// as processes, the committed token-shuffle model — and then a process is killed with SIGKILL, or a server restarted.
/// Each test checks what a client sees: every job ends once, with one result, and its events arrive gapless (ids 1..N).
/// </summary>
[Collection(ClusterGroup.Name)]
[Slow("starts redis-server, PostgreSQL, two gateways and image workers as processes, and runs the committed token-shuffle")]
public sealed class ChaosTests(LocalServers servers) : IAsyncLifetime
{
    /// <summary>Short enough that a killed worker's job moves on quickly; three renewals per lease keep a loaded machine's pauses from expiring it.</summary>
    const int LeaseSeconds = 6;
    LocalDeployment? deployment;
    readonly List<HttpClient> clients = [];

    LocalDeployment Deployment => deployment!;

    string Because => deployment?.Output ?? "";

    async Task<(List<ClusterProcess> Gateways, List<ClusterProcess> Workers)> StartAsync(int workers, int maxAttempts = 3)
    {
        Skip.If(LocalServers.Missing is not null, LocalServers.Missing);
        deployment = await LocalDeployment.CreateAsync(servers.Processes, new DeploymentSettings { LeaseSeconds = LeaseSeconds, MaxAttempts = maxAttempts });
        var gateways = await Task.WhenAll(Enumerable.Range(0, 2).Select(_ => deployment.StartGatewayAsync(CancellationToken.None)));
        var started = await Task.WhenAll(Enumerable.Range(0, workers).Select(_ => deployment.StartImageWorkerAsync(CancellationToken.None)));
        foreach (var g in gateways)
        {
            if (workers > 0) await deployment.WaitForModelAsync(g, Model, CancellationToken.None);
            clients.Add(For(g));
        }
        return ([.. gateways], [.. started]);
    }

    static List<string> Types(IEnumerable<SseEvent> events) => [.. events.Select(e => e.Type)];

    [SkippableFact]
    public async Task A_worker_killed_mid_job_loses_its_lease_and_the_other_worker_finishes_the_job_once_with_no_event_lost()
    {
        var (_, workers) = await StartAsync(workers: 2);
        string id = await SubmitAsync(clients[0], "a red circle to the left of a blue square", 3);
        var killed = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        int? holder = null;
        // The client follows on the other gateway; at the first image step the worker running the job is killed (kill -9).
        var events = await FollowAsync([clients[1], clients[0]], id, e =>
        {
            if (e.Type == "started" && holder is null) holder = WorkerProcess(e);
            else if (e.Type == "progress" && holder is { } pid && !killed.Task.IsCompleted)
            {
                killed.TrySetResult(pid);
                workers.Single(w => w.ProcessId == pid).KillAsync().GetAwaiter().GetResult();
            }
        });

        Assert.True(killed.Task.IsCompleted, $"the job ended before a progress event: {string.Join(",", Types(events))}\n{Because}");
        AssertGapless(events, Because);
        Assert.Equal("completed", events[^1].Type);
        Assert.Single(events, e => IsTerminal(e.Type));
        var starts = events.Where(e => e.Type == "started").Select(WorkerProcess).ToList();
        Assert.Equal(2, starts.Count);
        Assert.Equal(holder, starts[0]);
        Assert.NotEqual(starts[0], starts[1]);
        Assert.Contains(events, e => e.Type == "queued" && e.Data.TryGetProperty("message", out var m) && m.GetString()!.StartsWith("worker lost", StringComparison.Ordinal));
        // Exactly one result, readable through either gateway (the artifacts folder is shared).
        var artifacts = events[^1].Data.GetProperty("artifacts").EnumerateArray().Select(a => a.GetString()!).ToList();
        Assert.Single(artifacts);
        var job = await GetJobAsync(clients[0], id);
        Assert.Equal(("succeeded", 1), (job.GetProperty("status").GetString(), job.GetProperty("artifacts").GetArrayLength()));
        using var png = await clients[1].GetAsync($"/api/artifacts/{artifacts[0]}");
        Assert.Equal("image/png", png.Content.Headers.ContentType?.MediaType);
        // What the client saw live is what the log holds: a full replay from the other gateway is the same list.
        var replay = await SseClient.ReadAsync(clients[0], id);
        Assert.Equal(events.Select(e => (e.Id, e.Type)), replay.Select(e => (e.Id, e.Type)));
    }

    [SkippableFact]
    public async Task A_poison_job_that_takes_down_every_worker_that_starts_it_fails_as_worker_lost_after_max_attempts()
    {
        var (_, workers) = await StartAsync(workers: 2, maxAttempts: 2);
        string id = await SubmitAsync(clients[0], "a yellow star in the middle", 5);
        var all = new ConcurrentBag<ClusterProcess>(workers);
        var crashes = new List<Task>();
        // Each worker dies as soon as it starts the job (as a crash in the model would take it down); a replacement is
        // started, as an orchestrator would, so a worker is always there to take the job up.
        var events = await FollowAsync(clients, id, e =>
        {
            if (e.Type != "started") return;
            int pid = WorkerProcess(e);
            crashes.Add(Task.Run(async () =>
            {
                await all.Single(w => w.ProcessId == pid).KillAsync();
                all.Add(await Deployment.StartImageWorkerAsync(CancellationToken.None));
            }));
        });
        await Task.WhenAll(crashes);

        AssertGapless(events, Because);
        Assert.Equal("failed", events[^1].Type);
        Assert.StartsWith("worker lost", events[^1].Data.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Equal(2, events.Count(e => e.Type == "started"));
        var job = await GetJobAsync(clients[1], id);
        Assert.Equal("failed", job.GetProperty("status").GetString());
        Assert.StartsWith("worker lost", job.GetProperty("failure_reason").GetString(), StringComparison.Ordinal);
    }

    [SkippableFact]
    public async Task A_SignalR_client_whose_gateway_is_killed_resumes_on_the_other_gateway_with_nothing_lost()
    {
        var (gateways, _) = await StartAsync(workers: 1);
        var seen = new List<JobEvent>();
        string id;
        await using (var first = await ConnectAsync(gateways[0]))
        {
            var request = new HubJobRequest { Kind = "image", Model = Model, Parameters = new() { ["prompt"] = "a green triangle at the top", ["seed"] = 7 } };
            id = (await first.InvokeAsync<HubJob>("Submit", request)).Id;
            try
            {
                using var timeout = new CancellationTokenSource(Patience);
                await foreach (var e in first.StreamAsync<JobEvent>("Stream", id, 0L, timeout.Token))
                {
                    seen.Add(e);
                    // Mid-job: the gateway this client streams from is killed (kill -9).
                    if (e.Type == JobEventType.Progress && e.Step >= 2) await gateways[0].KillAsync();
                }
            }
            catch (Exception ex) when (ex is not OperationCanceledException and not Xunit.Sdk.XunitException) { }
        }
        Assert.True(gateways[0].HasExited, $"the job ended before the gateway was killed: {string.Join(",", seen.Select(e => e.Type))}\n{Because}");
        Assert.DoesNotContain(seen, e => JobEvent.IsTerminal(e.Type));

        await using (var second = await ConnectAsync(gateways[1]))
        {
            using var timeout = new CancellationTokenSource(Patience);
            await foreach (var e in second.StreamAsync<JobEvent>("Stream", id, seen[^1].Sequence, timeout.Token)) seen.Add(e);
        }
        Assert.True(seen.Select(e => e.Sequence).SequenceEqual(Enumerable.Range(1, seen.Count).Select(i => (long)i)),
            $"sequences: {string.Join(",", seen.Select(e => e.Sequence))}\n{Because}");
        Assert.Equal(JobEventType.Completed, seen[^1].Type);
        Assert.Single(seen, e => JobEvent.IsTerminal(e.Type));
    }

    [SkippableFact]
    public async Task Redis_restarted_while_jobs_run_and_wait_loses_no_job_and_no_event()
    {
        await StartAsync(workers: 2);
        var ids = new List<string>();
        for (int i = 0; i < 3; i++) ids.Add(await SubmitAsync(clients[i % 2], "a blue square in the middle", 20 + i));
        var restarted = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var followers = ids.Select((id, i) => Task.Run(() => FollowAsync([clients[(i + 1) % 2], clients[i % 2]], id, e =>
        {
            // At the first image step of any job, Redis is killed and comes back a second later from its append-only file.
            if (e.Type == "progress" && i == 0 && !restarted.Task.IsCompleted)
            {
                restarted.TrySetResult();
                servers.Processes.RestartRedisAsync(TimeSpan.FromSeconds(1)).GetAwaiter().GetResult();
            }
        }))).ToList();
        var results = await Task.WhenAll(followers);

        Assert.True(restarted.Task.IsCompleted);
        foreach (var events in results)
        {
            AssertGapless(events, Because);
            Assert.Equal("completed", events[^1].Type);
            Assert.Single(events, e => IsTerminal(e.Type));
            Assert.Single(events[^1].Data.GetProperty("artifacts").EnumerateArray());
        }
    }

    [SkippableFact]
    public async Task PostgreSQL_restarted_mid_job_the_job_still_completes_and_both_gateways_serve_again()
    {
        await StartAsync(workers: 1);
        string id = await SubmitAsync(clients[0], "a red circle in the middle", 9);
        var restarted = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var events = await FollowAsync([clients[1], clients[0]], id, e =>
        {
            if (e.Type == "progress" && !restarted.Task.IsCompleted)
            {
                restarted.TrySetResult();
                servers.Processes.RestartPostgresAsync(TimeSpan.FromSeconds(2)).GetAwaiter().GetResult();
            }
        });

        Assert.True(restarted.Task.IsCompleted);
        AssertGapless(events, Because);
        Assert.Equal("completed", events[^1].Type);
        Assert.Single(events, e => IsTerminal(e.Type));
        // Both gateways are ready again and take new work.
        foreach (var client in clients)
        {
            using var ready = await client.GetAsync("/readyz");
            Assert.True(ready.IsSuccessStatusCode, $"/readyz {(int)ready.StatusCode}\n{Because}");
        }
        var after = await FollowAsync(clients, await SubmitAsync(clients[1], "a yellow square", 10));
        Assert.Equal("completed", after[^1].Type);
    }

    static async Task<HubConnection> ConnectAsync(ClusterProcess gateway)
    {
        var connection = new HubConnectionBuilder().WithUrl(new Uri(gateway.Address, "/hubs/media"))
            .AddJsonProtocol(o =>
            {
                o.PayloadSerializerOptions.PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower;
                o.PayloadSerializerOptions.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.KebabCaseLower));
            })
            .Build();
        await connection.StartAsync();
        return connection;
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var c in clients) c.Dispose();
        if (deployment is not null) await deployment.DisposeAsync();
    }
}
