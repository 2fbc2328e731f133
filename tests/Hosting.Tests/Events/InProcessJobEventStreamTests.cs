using System.Text.Json;
using Media.Hosting.Events;
using Media.Hosting.Jobs;
using Media.Hosting.Storage;
using Media.Hosting.Tests.Support;

namespace Media.Hosting.Tests.Events;

public sealed class InProcessJobEventStreamTests : IDisposable
{
    readonly TempFolder _folder = new();
    readonly SqliteDatabase _db;
    readonly SqliteJobStore _store;
    readonly InProcessJobEventStream _stream;

    public InProcessJobEventStreamTests()
    {
        _db = new SqliteDatabase(Path.Combine(_folder.Path, "media.db"));
        _store = new SqliteJobStore(_db, TimeProvider.System);
        _store.InitializeAsync(CancellationToken.None).GetAwaiter().GetResult();
        _stream = new InProcessJobEventStream(_store);
    }

    public void Dispose()
    {
        _db.Dispose();
        _folder.Dispose();
    }

    async Task<string> RunningJobAsync()
    {
        var (job, _, _) = await _store.CreateAsync(new Job
        {
            Id = Job.NewId(), Kind = "image", Model = "m", Family = "image", Owner = "o", Status = JobStatus.Queued,
            Parameters = JsonDocument.Parse("{}").RootElement,
        }, CancellationToken.None);
        var (_, started) = await _store.TransitionAsync(job.Id, JobStatus.Running, new JobEvent(), CancellationToken.None);
        await _stream.PublishAsync(started, CancellationToken.None);
        return job.Id;
    }

    async Task<List<long>> ReadAllAsync(string jobId, long after)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var seen = new List<long>();
        await foreach (var e in _stream.ReadAsync(jobId, after, timeout.Token)) seen.Add(e.Sequence);
        return seen;
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(50)]
    public async Task A_reader_resuming_at_or_past_the_terminal_event_ends_at_once(long pastTerminal)
    {
        string id = await RunningJobAsync();
        var (_, done) = await _store.TransitionAsync(id, JobStatus.Succeeded, new JobEvent { Artifacts = [] }, CancellationToken.None);
        await _stream.PublishAsync(done, CancellationToken.None);
        // Before the fix the reader waited for live events that never come, until the 10 s timeout cancelled it (the test then throws).
        Assert.Empty(await ReadAllAsync(id, done.Sequence + pastTerminal));
    }

    [Fact]
    public async Task Readers_starting_anywhere_while_events_are_written_see_each_later_event_once_in_order()
    {
        string id = await RunningJobAsync();
        const int progress = 60;
        var readers = new List<(long After, Task<List<long>> Seen)>();
        var writer = Task.Run(async () =>
        {
            for (int i = 1; i <= progress; i++)
            {
                var e = await _store.AppendEventAsync(new JobEvent { JobId = id, Type = JobEventType.Progress, Step = i, TotalSteps = progress }, CancellationToken.None);
                await _stream.PublishAsync(e, CancellationToken.None);
                if (i % 10 == 0) await Task.Delay(5);
            }
            var (_, done) = await _store.TransitionAsync(id, JobStatus.Succeeded, new JobEvent { Artifacts = [] }, CancellationToken.None);
            await _stream.PublishAsync(done, CancellationToken.None);
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

    [Fact]
    public async Task An_event_published_ahead_of_an_earlier_one_is_preceded_by_it_from_the_log()
    {
        string id = await RunningJobAsync();
        var reader = ReadAllAsync(id, 2);
        await Task.Delay(50); // the reader has replayed the log and now follows live
        var third = await _store.AppendEventAsync(new JobEvent { JobId = id, Type = JobEventType.Progress, Step = 1, TotalSteps = 2 }, CancellationToken.None);
        var fourth = await _store.AppendEventAsync(new JobEvent { JobId = id, Type = JobEventType.Progress, Step = 2, TotalSteps = 2 }, CancellationToken.None);
        var (_, fifth) = await _store.TransitionAsync(id, JobStatus.Succeeded, new JobEvent(), CancellationToken.None);
        await _stream.PublishAsync(fourth, CancellationToken.None); // two writers: 4 reaches followers before 3
        await _stream.PublishAsync(third, CancellationToken.None);
        await _stream.PublishAsync(fifth, CancellationToken.None);
        Assert.Equal([3L, 4, 5], await reader);
    }
}
