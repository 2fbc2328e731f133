using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using System.Threading.Channels;
using Media.Hosting.Jobs;

namespace Media.Hosting.Events;

/// <summary>
/// Followers register a channel before reading the log, so an event is either in what they read or
/// in their channel (or both: duplicates are dropped by sequence). Events that reach a channel out of
/// order (two writers on one job) are filled in from the log, so a reader never skips one.
/// </summary>
public sealed class InProcessJobEventStream(IJobStore store) : IJobEventStream
{
    const int PageSize = 256;
    readonly ConcurrentDictionary<string, Followers> _followers = new(StringComparer.Ordinal);

    public void Publish(JobEvent persisted)
    {
        ArgumentNullException.ThrowIfNull(persisted);
        if (_followers.TryGetValue(persisted.JobId, out var followers)) followers.Write(persisted);
    }

    public async IAsyncEnumerable<JobEvent> ReadAsync(string jobId, long afterSequence, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(jobId);
        ArgumentOutOfRangeException.ThrowIfNegative(afterSequence);
        var channel = Channel.CreateUnbounded<JobEvent>(new UnboundedChannelOptions { SingleReader = true });
        var followers = Subscribe(jobId, channel);
        try
        {
            long last = afterSequence;
            while (true)
            {
                var page = await store.ReadEventsAsync(jobId, last, PageSize, cancellationToken).ConfigureAwait(false);
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

            await foreach (var live in channel.Reader.ReadAllAsync(cancellationToken).ConfigureAwait(false))
            {
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
            Unsubscribe(jobId, followers, channel);
        }
    }

    Followers Subscribe(string jobId, Channel<JobEvent> channel)
    {
        while (true)
        {
            var followers = _followers.GetOrAdd(jobId, _ => new Followers());
            if (followers.TryAdd(channel)) return followers;
            // That set was just emptied and is being removed: take a fresh one.
            _followers.TryRemove(new KeyValuePair<string, Followers>(jobId, followers));
        }
    }

    void Unsubscribe(string jobId, Followers followers, Channel<JobEvent> channel)
    {
        if (followers.RemoveAndClose(channel)) _followers.TryRemove(new KeyValuePair<string, Followers>(jobId, followers));
    }

    sealed class Followers
    {
        readonly Lock _lock = new();
        readonly List<Channel<JobEvent>> _channels = [];
        bool _closed;

        public bool TryAdd(Channel<JobEvent> channel)
        {
            lock (_lock)
            {
                if (_closed) return false;
                _channels.Add(channel);
                return true;
            }
        }

        /// <summary>Removes the channel; true when it was the last one (the set is then closed for good).</summary>
        public bool RemoveAndClose(Channel<JobEvent> channel)
        {
            lock (_lock)
            {
                _channels.Remove(channel);
                if (_channels.Count > 0) return false;
                _closed = true;
                return true;
            }
        }

        public void Write(JobEvent e)
        {
            lock (_lock)
            {
                foreach (var channel in _channels) channel.Writer.TryWrite(e);
            }
        }
    }
}
