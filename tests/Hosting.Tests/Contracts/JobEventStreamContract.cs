using System.Text.Json;
using Media.Hosting.Events;
using Media.Hosting.Jobs;
using Media.Hosting.Storage;
using Media.Hosting.Tests.Support;

namespace Media.Hosting.Tests.Contracts;

/// <summary>
/// What every <see cref="IJobEventStream"/> promises (each later event once, in order, from any starting sequence, and
/// gaps filled from the log); the same tests run in-process and on Redis. The store under both is SQLite.
/// </summary>
public abstract class JobEventStreamContract : IDisposable
{
    readonly TempFolder folder = new();
    readonly SqliteDatabase db;
    readonly SqliteJobStore store;
    IJobEventStream? created;

    protected JobEventStreamContract()
    {
        db = new SqliteDatabase(Path.Combine(folder.Path, "media.db"));
        store = new SqliteJobStore(db, TimeProvider.System);
        store.InitializeAsync(CancellationToken.None).GetAwaiter().GetResult();
    }

    /// <summary>The stream under test over <paramref name="store"/>.</summary>
    protected abstract Task<IJobEventStream> CreateAsync(IJobStore store);

    IJobEventStream Stream => created ?? throw new InvalidOperationException("no stream yet");

    public void Dispose()
    {
        db.Dispose();
        folder.Dispose();
        GC.SuppressFinalize(this);
    }

    async Task<string> RunningJobAsync()
    {
        created ??= await CreateAsync(store);
        var (job, _, _) = await store.CreateAsync(new Job
        {
            Id = Job.NewId(), Kind = "image", Model = "m", Family = "image", Owner = "o", Status = JobStatus.Queued,
            Parameters = JsonDocument.Parse("{}").RootElement,
        }, CancellationToken.None);
        var (_, started) = await store.TransitionAsync(job.Id, JobStatus.Running, new JobEvent(), CancellationToken.None);
        await Stream.PublishAsync(started, CancellationToken.None);
        return job.Id;
    }

    async Task<List<long>> ReadAllAsync(string jobId, long after)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var seen = new List<long>();
        await foreach (var e in Stream.ReadAsync(jobId, after, timeout.Token)) seen.Add(e.Sequence);
        return seen;
    }

    [SkippableTheory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(50)]
    public async Task A_reader_resuming_at_or_past_the_terminal_event_ends_at_once(long pastTerminal)
    {
        string id = await RunningJobAsync();
        var (_, done) = await store.TransitionAsync(id, JobStatus.Succeeded, new JobEvent { Artifacts = [] }, CancellationToken.None);
        await Stream.PublishAsync(done, CancellationToken.None);
        // Before the fix the reader waited for live events that never come, until the 10 s timeout cancelled it (the test then throws).
        Assert.Empty(await ReadAllAsync(id, done.Sequence + pastTerminal));
    }

    [SkippableFact]
    public async Task Readers_starting_anywhere_while_events_are_written_see_each_later_event_once_in_order()
    {
        string id = await RunningJobAsync();
        const int progress = 60;
        var readers = new List<(long After, Task<List<long>> Seen)>();
        var writer = Task.Run(async () =>
        {
            for (int i = 1; i <= progress; i++)
            {
                var e = await store.AppendEventAsync(new JobEvent { JobId = id, Type = JobEventType.Progress, Step = i, TotalSteps = progress }, CancellationToken.None);
                await Stream.PublishAsync(e, CancellationToken.None);
                if (i % 10 == 0) await Task.Delay(5);
            }
            var (_, done) = await store.TransitionAsync(id, JobStatus.Succeeded, new JobEvent { Artifacts = [] }, CancellationToken.None);
            await Stream.PublishAsync(done, CancellationToken.None);
        });
        // Readers join at different moments and resume from different sequences.
        foreach (long after in new long[] { 0, 1, 5, 20, 40 })
        {
            readers.Add((after, ReadAllAsync(id, after)));
            await Task.Delay(7);
        }
        await writer;
        long last = progress + 3; // queued, started, progress..., completed
        foreach (var (after, seen) in readers)
            Assert.Equal(Enumerable.Range((int)after + 1, (int)(last - after)).Select(i => (long)i), await seen);
        // A reader arriving after the end replays the log and stops at the terminal event.
        Assert.Equal([last], await ReadAllAsync(id, last - 1));
    }

    [SkippableFact]
    public async Task An_event_published_ahead_of_an_earlier_one_is_preceded_by_it_from_the_log()
    {
        string id = await RunningJobAsync();
        var reader = ReadAllAsync(id, 2);
        await Task.Delay(50); // the reader has replayed the log and now follows live
        var third = await store.AppendEventAsync(new JobEvent { JobId = id, Type = JobEventType.Progress, Step = 1, TotalSteps = 2 }, CancellationToken.None);
        var fourth = await store.AppendEventAsync(new JobEvent { JobId = id, Type = JobEventType.Progress, Step = 2, TotalSteps = 2 }, CancellationToken.None);
        var (_, fifth) = await store.TransitionAsync(id, JobStatus.Succeeded, new JobEvent(), CancellationToken.None);
        await Stream.PublishAsync(fourth, CancellationToken.None); // two writers: 4 reaches followers before 3
        await Stream.PublishAsync(third, CancellationToken.None);
        await Stream.PublishAsync(fifth, CancellationToken.None);
        Assert.Equal([3L, 4, 5], await reader);
    }
}

public sealed class InProcessJobEventStreamTests : JobEventStreamContract
{
    protected override Task<IJobEventStream> CreateAsync(IJobStore store) => Task.FromResult<IJobEventStream>(new InProcessJobEventStream(store));
}

[Collection(LocalServersGroup.Name)]
public sealed class RedisJobEventStreamTests(LocalServers servers) : JobEventStreamContract
{
    protected override async Task<IJobEventStream> CreateAsync(IJobStore store)
    {
        Skip.If(LocalServers.Missing is not null, LocalServers.Missing);
        var redis = await StackExchange.Redis.ConnectionMultiplexer.ConnectAsync(await servers.RedisAsync());
        var options = Microsoft.Extensions.Options.Options.Create(new ScaleOutOptions { KeyPrefix = "t" + Guid.NewGuid().ToString("N")[..8], EventStreamLength = 16 });
        return new Media.Hosting.Redis.RedisJobEventStream(redis, store, options, Microsoft.Extensions.Logging.Abstractions.NullLogger<Media.Hosting.Redis.RedisJobEventStream>.Instance);
    }
}
