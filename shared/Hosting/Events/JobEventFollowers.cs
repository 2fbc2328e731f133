using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using System.Threading.Channels;
using Media.Hosting.Jobs;

namespace Media.Hosting.Events;

/// <summary>
/// The readers of job events in this process, and how one reads: a follower registers a channel before reading the log,
/// so an event is either in what it read or in its channel (or both: duplicates are dropped by sequence). Events that
/// reach a channel out of order (two writers on one job) are filled in from the log, so a reader never skips one.
/// Both event streams use it: the in-process one writes published events straight in, the Redis one writes what its
/// subscription receives. <paramref name="readLog"/> reads persisted events after a sequence (the job store, or a
/// Redis stream falling back to it); <paramref name="firstFollower"/>/<paramref name="lastFollowerLeft"/> let a
/// stream subscribe to a job's live events only while someone here follows it.
/// </summary>
public sealed class JobEventFollowers(IJobStore store, Func<string, long, int, CancellationToken, Task<IReadOnlyList<JobEvent>>>? readLog = null,
    Func<string, Task>? firstFollower = null, Func<string, Task>? lastFollowerLeft = null)
{
    const int PageSize = 256;
    /// <summary>How long a follower waits for a live event before it reads the log itself.</summary>
    static readonly TimeSpan IdleCatchUp = TimeSpan.FromSeconds(2);
    readonly ConcurrentDictionary<string, Followers> followers = new(StringComparer.Ordinal);
    readonly Func<string, long, int, CancellationToken, Task<IReadOnlyList<JobEvent>>> readLog = readLog ?? store.ReadEventsAsync;

    /// <summary>Hands a persisted event to this process's followers of its job.</summary>
    public void Write(JobEvent persisted)
    {
        ArgumentNullException.ThrowIfNull(persisted);
        if (followers.TryGetValue(persisted.JobId, out var jobFollowers)) jobFollowers.Write(persisted);
    }

    public async IAsyncEnumerable<JobEvent> ReadAsync(string jobId, long afterSequence, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(jobId);
        ArgumentOutOfRangeException.ThrowIfNegative(afterSequence);
        var channel = Channel.CreateUnbounded<JobEvent>(new UnboundedChannelOptions { SingleReader = true });
        var (followers, first) = Subscribe(jobId, channel);
        try
        {
            if (first && firstFollower is not null) await firstFollower(jobId).ConfigureAwait(false);
            long last = afterSequence;
            while (true)
            {
                var page = await readLog(jobId, last, PageSize, cancellationToken).ConfigureAwait(false);
                foreach (var e in page)
                {
                    yield return e;
                    last = e.Sequence;
                    if (JobEvent.IsTerminal(e.Type)) yield break;
                }
                if (page.Count < PageSize) break;
            }

            // A job that already ended, asked for from at or past its terminal event (a client resuming a finished
            // stream): nothing more will ever be published, so end now rather than wait. Anything persisted between
            // the read above and this look is in the log, so read it once more first.
            if (await store.GetAsync(jobId, cancellationToken).ConfigureAwait(false) is { } job && JobStateMachine.IsTerminal(job.Status))
            {
                foreach (var e in await store.ReadEventsAsync(jobId, last, int.MaxValue, cancellationToken).ConfigureAwait(false))
                {
                    yield return e;
                    if (JobEvent.IsTerminal(e.Type)) break;
                }
                yield break;
            }

            while (true)
            {
                // Live events come from the channel; after IdleCatchUp of silence the log is read from the last event, so an
                // event whose message never came (a Redis restart dropped it, or its publish failed) still arrives, terminal included.
                JobEvent? next;
                using (var idle = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
                {
                    idle.CancelAfter(IdleCatchUp);
                    bool ready;
                    try { ready = await channel.Reader.WaitToReadAsync(idle.Token).ConfigureAwait(false); }
                    catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested) { ready = false; }
                    if (!ready || !channel.Reader.TryRead(out next))
                    {
                        if (channel.Reader.Completion.IsCompleted) yield break;
                        foreach (var e in await readLog(jobId, last, PageSize, cancellationToken).ConfigureAwait(false))
                        {
                            if (e.Sequence <= last) continue;
                            yield return e;
                            last = e.Sequence;
                            if (JobEvent.IsTerminal(e.Type)) yield break;
                        }
                        continue;
                    }
                }
                var live = next;
                if (live.Sequence <= last) continue;
                if (live.Sequence > last + 1)
                {
                    var missing = await store.ReadEventsAsync(jobId, last, (int)Math.Min(live.Sequence - last - 1, int.MaxValue), cancellationToken).ConfigureAwait(false);
                    foreach (var e in missing)
                    {
                        yield return e;
                        last = e.Sequence;
                        if (JobEvent.IsTerminal(e.Type)) yield break;
                    }
                }
                yield return live;
                last = live.Sequence;
                if (JobEvent.IsTerminal(live.Type)) yield break;
            }
        }
        finally
        {
            if (Unsubscribe(jobId, followers, channel) && lastFollowerLeft is not null) await lastFollowerLeft(jobId).ConfigureAwait(false);
        }
    }

    (Followers Followers, bool First) Subscribe(string jobId, Channel<JobEvent> channel)
    {
        while (true)
        {
            bool created = false;
            var followers = this.followers.GetOrAdd(jobId, _ => { created = true; return new Followers(); });
            if (followers.TryAdd(channel)) return (followers, created);
            // That set was just emptied and is being removed: take a fresh one.
            this.followers.TryRemove(new KeyValuePair<string, Followers>(jobId, followers));
        }
    }

    /// <summary>True when that was the job's last follower here.</summary>
    bool Unsubscribe(string jobId, Followers followers, Channel<JobEvent> channel)
    {
        if (!followers.RemoveAndClose(channel)) return false;
        this.followers.TryRemove(new KeyValuePair<string, Followers>(jobId, followers));
        return true;
    }

    sealed class Followers
    {
        readonly Lock gate = new();
        readonly List<Channel<JobEvent>> channels = [];
        bool closed;

        public bool TryAdd(Channel<JobEvent> channel)
        {
            lock (gate)
            {
                if (closed) return false;
                channels.Add(channel);
                return true;
            }
        }

        /// <summary>Removes the channel; true when it was the last one (the set is then closed for good).</summary>
        public bool RemoveAndClose(Channel<JobEvent> channel)
        {
            lock (gate)
            {
                channels.Remove(channel);
                if (channels.Count > 0) return false;
                closed = true;
                return true;
            }
        }

        public void Write(JobEvent e)
        {
            lock (gate)
            {
                foreach (var channel in channels) channel.Writer.TryWrite(e);
            }
        }
    }
}
