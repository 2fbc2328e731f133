using Media.Hosting.Jobs;
using Media.Hosting.Models;
using Media.Hosting.Queues;
using Media.Hosting.Redis;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Media.Hosting.Tests.Contracts;

/// <summary>The queue contract against Redis Streams (a real redis-server on loopback, started by the tests).</summary>
[Collection(LocalServersGroup.Name)]
public sealed class RedisJobQueueTests(LocalServers servers) : JobQueueContract, IAsyncLifetime
{
    ConnectionMultiplexer? redis;
    readonly List<RedisJobQueue> queues = [];

    protected override async Task<IJobQueue> CreateAsync(int interactiveCapacity, int batchCapacity, TimeSpan lease)
    {
        Skip.If(LocalServers.Missing is not null, LocalServers.Missing);
        redis ??= await ConnectionMultiplexer.ConnectAsync(await servers.RedisAsync());
        // A prefix of its own per queue: every test starts from empty streams.
        var queue = new RedisJobQueue(redis, "t" + Guid.NewGuid().ToString("N")[..8], "image", interactiveCapacity, batchCapacity, lease);
        queues.Add(queue);
        return queue;
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var q in queues) q.Dispose();
        if (redis is not null) await redis.DisposeAsync();
    }
}

/// <summary>What every <see cref="IJobCancellations"/> and <see cref="IModelAnnouncements"/> promises, in-process and on Redis.</summary>
public abstract class MessagingContract
{
    protected abstract Task<(IJobCancellations Sender, IJobCancellations Worker)> CancellationsAsync();

    protected abstract Task<(IModelAnnouncements Worker, IModelAnnouncements Gateway)> AnnouncementsAsync();

    [SkippableFact]
    public async Task A_cancel_reaches_the_observer_of_that_job_only_and_not_after_it_stopped_observing()
    {
        var (sender, worker) = await CancellationsAsync();
        var cancelled = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        int others = 0;
        await using (await worker.ObserveAsync("job-a", () => cancelled.TrySetResult(), CancellationToken.None))
        await using (await worker.ObserveAsync("job-b", () => Interlocked.Increment(ref others), CancellationToken.None))
        {
            await sender.PublishAsync("job-a", CancellationToken.None);
            await cancelled.Task.WaitAsync(TimeSpan.FromSeconds(5));
        }
        int late = 0;
        var handle = await worker.ObserveAsync("job-c", () => Interlocked.Increment(ref late), CancellationToken.None);
        await handle.DisposeAsync();
        await sender.PublishAsync("job-c", CancellationToken.None);
        await Task.Delay(200);
        Assert.Equal((0, 0), (others, late));
    }

    [SkippableFact]
    public async Task A_gateway_reads_live_announcements_and_a_withdrawn_or_expired_one_is_gone()
    {
        var (worker, gateway) = await AnnouncementsAsync();
        var now = DateTimeOffset.UtcNow;
        await worker.AnnounceAsync([
            new ModelAnnouncement("m1", "w1", ModelState.Loaded, null, now, new System.Text.Json.Nodes.JsonObject { ["width"] = 64 }),
            new ModelAnnouncement("m2", "w1", ModelState.Failed, "out of memory", now),
            new ModelAnnouncement("m1", "w2", ModelState.Loading, null, now - TimeSpan.FromMinutes(1)),
        ], CancellationToken.None);
        var live = await gateway.ReadAsync(now - TimeSpan.FromSeconds(15), CancellationToken.None);
        Assert.Equal(["m1/w1/Loaded/64", "m2/w1/Failed/"], live.Select(a => $"{a.ModelId}/{a.Worker}/{a.State}/{a.Limits?["width"]}").Order(StringComparer.Ordinal));
        Assert.Equal("out of memory", live.Single(a => a.ModelId == "m2").Reason);
        await worker.WithdrawAsync("w1", CancellationToken.None);
        Assert.Empty(await gateway.ReadAsync(now - TimeSpan.FromSeconds(15), CancellationToken.None));
    }
}

public sealed class InProcessMessagingTests : MessagingContract
{
    protected override Task<(IJobCancellations Sender, IJobCancellations Worker)> CancellationsAsync()
    {
        var shared = new InProcessJobCancellations();
        return Task.FromResult<(IJobCancellations, IJobCancellations)>((shared, shared));
    }

    protected override Task<(IModelAnnouncements Worker, IModelAnnouncements Gateway)> AnnouncementsAsync()
    {
        var shared = new InProcessModelAnnouncements();
        return Task.FromResult<(IModelAnnouncements, IModelAnnouncements)>((shared, shared));
    }
}

/// <summary>On Redis the sender and the worker are separate connections, as two processes would be.</summary>
[Collection(LocalServersGroup.Name)]
public sealed class RedisMessagingTests(LocalServers servers) : MessagingContract, IAsyncLifetime
{
    readonly List<ConnectionMultiplexer> connections = [];
    readonly IOptions<ScaleOutOptions> options = Options.Create(new ScaleOutOptions { KeyPrefix = "t" + Guid.NewGuid().ToString("N")[..8] });

    async Task<ConnectionMultiplexer> ConnectAsync()
    {
        Skip.If(LocalServers.Missing is not null, LocalServers.Missing);
        var c = await ConnectionMultiplexer.ConnectAsync(await servers.RedisAsync());
        connections.Add(c);
        return c;
    }

    protected override async Task<(IJobCancellations Sender, IJobCancellations Worker)> CancellationsAsync() =>
        (new RedisJobCancellations(await ConnectAsync(), options), new RedisJobCancellations(await ConnectAsync(), options));

    protected override async Task<(IModelAnnouncements Worker, IModelAnnouncements Gateway)> AnnouncementsAsync() =>
        (new RedisModelAnnouncements(await ConnectAsync(), options), new RedisModelAnnouncements(await ConnectAsync(), options));

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var c in connections) await c.DisposeAsync();
    }
}
