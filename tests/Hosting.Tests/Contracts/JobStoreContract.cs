using System.Text.Json;
using Media.Hosting.Jobs;
using Media.Hosting.Storage;
using Media.Hosting.Postgres;
using Media.Hosting.Tests.Support;

namespace Media.Hosting.Tests.Contracts;

/// <summary>
/// What every <see cref="IJobStore"/> promises; the same tests run against SQLite (embedded) and PostgreSQL (scale-out).
/// </summary>
public abstract class JobStoreContract
{
    /// <summary>A store over this test's database (each call opens it again: the second sees what the first wrote).</summary>
    protected abstract Task<(IDisposable Db, IJobStore Store)> OpenAsync();

    static Job NewJob(string? idempotencyKey = null, string kind = "image", string owner = "alice") => new()
    {
        Id = Job.NewId(), Kind = kind, Model = "m", Family = "image", Owner = owner, Status = JobStatus.Queued,
        Parameters = JsonDocument.Parse("""{"prompt":"fox"}""").RootElement, IdempotencyKey = idempotencyKey, RequestHash = "h",
    };

    [SkippableFact]
    public async Task A_job_and_its_events_survive_reopening_the_database()
    {
        var (db, store) = await OpenAsync();
        var (job, queued, created) = await store.CreateAsync(NewJob(), CancellationToken.None);
        Assert.True(created);
        Assert.Equal((1L, JobEventType.Queued), (queued!.Sequence, queued.Type));
        await store.TransitionAsync(job.Id, JobStatus.Running, new JobEvent(), CancellationToken.None);
        await store.AppendEventAsync(new JobEvent { JobId = job.Id, Type = JobEventType.Preview, Payload = [1, 2, 3], ContentType = "image/png", Step = 1, TotalSteps = 2 }, CancellationToken.None);
        await store.TransitionAsync(job.Id, JobStatus.Succeeded, new JobEvent { Artifacts = ["a1", "a2"] }, CancellationToken.None);
        db.Dispose();

        var (db2, reopened) = await OpenAsync();
        using var _ = db2;
        var again = (await reopened.GetAsync(job.Id, CancellationToken.None))!;
        Assert.Equal(JobStatus.Succeeded, again.Status);
        Assert.Equal(["a1", "a2"], again.Artifacts);
        Assert.Equal("fox", again.Parameters.GetProperty("prompt").GetString());
        Assert.NotNull(again.StartedAt);
        Assert.NotNull(again.FinishedAt);

        var events = await reopened.ReadEventsAsync(job.Id, 0, 100, CancellationToken.None);
        Assert.Equal([JobEventType.Queued, JobEventType.Started, JobEventType.Preview, JobEventType.Completed], events.Select(e => e.Type));
        Assert.Equal([1L, 2, 3, 4], events.Select(e => e.Sequence));
        Assert.Equal([1, 2, 3], events[2].Payload);
        Assert.Equal(["a1", "a2"], events[3].Artifacts!);
        Assert.Equal([3L, 4], (await reopened.ReadEventsAsync(job.Id, 2, 100, CancellationToken.None)).Select(e => e.Sequence));
    }

    [SkippableFact]
    public async Task Concurrent_appends_get_sequences_without_gaps_or_duplicates()
    {
        var (db, store) = await OpenAsync();
        using var _ = db;
        var (job, _, _) = await store.CreateAsync(NewJob(), CancellationToken.None);
        await store.TransitionAsync(job.Id, JobStatus.Running, new JobEvent(), CancellationToken.None);
        var appended = await Task.WhenAll(Enumerable.Range(1, 40).Select(i => Task.Run(() =>
            store.AppendEventAsync(new JobEvent { JobId = job.Id, Type = JobEventType.Progress, Step = i, TotalSteps = 40 }, CancellationToken.None))));
        Assert.Equal(Enumerable.Range(3, 40).Select(i => (long)i), appended.Select(e => e.Sequence).Order());
        var stored = await store.ReadEventsAsync(job.Id, 0, 1000, CancellationToken.None);
        Assert.Equal(Enumerable.Range(1, 42).Select(i => (long)i), stored.Select(e => e.Sequence));
    }

    [SkippableFact]
    public async Task Illegal_moves_throw_and_write_nothing()
    {
        var (db, store) = await OpenAsync();
        using var _ = db;
        var (job, _, _) = await store.CreateAsync(NewJob(), CancellationToken.None);
        await Assert.ThrowsAsync<InvalidJobTransitionException>(() => store.TransitionAsync(job.Id, JobStatus.Succeeded, new JobEvent(), CancellationToken.None));
        await Assert.ThrowsAsync<InvalidJobTransitionException>(() =>
            store.AppendEventAsync(new JobEvent { JobId = job.Id, Type = JobEventType.Progress, Step = 1, TotalSteps = 1 }, CancellationToken.None));
        await store.TransitionAsync(job.Id, JobStatus.Cancelled, new JobEvent { Message = "by test" }, CancellationToken.None);
        await Assert.ThrowsAsync<InvalidJobTransitionException>(() => store.TransitionAsync(job.Id, JobStatus.Running, new JobEvent(), CancellationToken.None));
        var events = await store.ReadEventsAsync(job.Id, 0, 100, CancellationToken.None);
        Assert.Equal([JobEventType.Queued, JobEventType.Cancelled], events.Select(e => e.Type));
        Assert.Equal("by test", events[1].Message);
    }

    [SkippableFact]
    public async Task An_idempotency_key_returns_the_first_job_per_owner()
    {
        var (db, store) = await OpenAsync();
        using var _ = db;
        var first = await store.CreateAsync(NewJob("key-1"), CancellationToken.None);
        var retry = await store.CreateAsync(NewJob("key-1"), CancellationToken.None);
        var otherOwner = await store.CreateAsync(NewJob("key-1", owner: "bob"), CancellationToken.None);
        Assert.False(retry.Created);
        Assert.Null(retry.Queued);
        Assert.Equal(first.Job.Id, retry.Job.Id);
        Assert.True(otherOwner.Created);
        Assert.NotEqual(first.Job.Id, otherOwner.Job.Id);
    }

    [SkippableFact]
    public async Task Listing_pages_newest_first_and_filters()
    {
        var (db, store) = await OpenAsync();
        using var _ = db;
        var ids = new List<string>();
        for (int i = 0; i < 7; i++)
        {
            var (job, _, _) = await store.CreateAsync(NewJob(kind: i % 2 == 0 ? "image" : "speech"), CancellationToken.None);
            ids.Add(job.Id);
            await Task.Delay(2); // distinct creation milliseconds
        }
        await store.TransitionAsync(ids[0], JobStatus.Cancelled, new JobEvent(), CancellationToken.None);

        var seen = new List<string>();
        string? after = null;
        JobPage page;
        do
        {
            page = await store.ListAsync(new JobQuery(Limit: 3, After: after), CancellationToken.None);
            seen.AddRange(page.Jobs.Select(j => j.Id));
            after = page.Jobs.Count > 0 ? page.Jobs[^1].Id : null;
        } while (page.HasMore);
        Assert.Equal(Enumerable.Reverse(ids), seen);

        var speech = await store.ListAsync(new JobQuery(Kind: "speech"), CancellationToken.None);
        Assert.Equal([ids[5], ids[3], ids[1]], speech.Jobs.Select(j => j.Id));
        var cancelled = await store.ListAsync(new JobQuery(Status: JobStatus.Cancelled), CancellationToken.None);
        Assert.Equal([ids[0]], cancelled.Jobs.Select(j => j.Id));
        var counts = await store.CountByStatusAsync(CancellationToken.None);
        Assert.Equal((6L, 1L, 0L), (counts[JobStatus.Queued], counts[JobStatus.Cancelled], counts[JobStatus.Running]));
    }
}

public sealed class SqliteJobStoreTests : JobStoreContract, IDisposable
{
    readonly TempFolder folder = new();

    public void Dispose() => folder.Dispose();

    protected override async Task<(IDisposable Db, IJobStore Store)> OpenAsync()
    {
        var db = new SqliteDatabase(Path.Combine(folder.Path, "media.db"));
        var store = new SqliteJobStore(db, TimeProvider.System);
        await store.InitializeAsync(CancellationToken.None);
        return (db, store);
    }
}

[Collection(LocalServersGroup.Name)]
public sealed class PostgresJobStoreTests(LocalServers servers) : JobStoreContract
{
    string? database;

    protected override async Task<(IDisposable Db, IJobStore Store)> OpenAsync()
    {
        Skip.If(LocalServers.Missing is not null, LocalServers.Missing);
        database ??= await servers.NewPostgresDatabaseAsync();
        var db = new PostgresDatabase(database);
        var store = new PostgresJobStore(db, TimeProvider.System);
        await store.InitializeAsync(CancellationToken.None);
        return (new Closing(db), store);
    }

    sealed class Closing(PostgresDatabase db) : IDisposable
    {
        public void Dispose() => db.DisposeAsync().AsTask().GetAwaiter().GetResult();
    }
}
