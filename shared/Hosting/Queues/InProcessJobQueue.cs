using Media.Hosting.Jobs;

namespace Media.Hosting.Queues;

/// <summary>
/// Two bounded FIFO lanes (interactive, batch) and the leased jobs, under one lock; the persisted job store makes it
/// durable across restarts (see <see cref="IJobQueues.Durable"/>). A lease not renewed within its duration is handed out again.
/// </summary>
public sealed class InProcessJobQueue : IJobQueue, IDisposable
{
    readonly Lock _lock = new();
    readonly LinkedList<QueuedJob> _interactive = new();
    readonly LinkedList<QueuedJob> _batch = new();
    readonly Dictionary<string, LinkedListNode<QueuedJob>> _index = new(StringComparer.Ordinal);
    readonly Dictionary<string, Leased> _leased = new(StringComparer.Ordinal);
    // Released once per enqueue; a taker that finds nothing (a removed job) waits again, and wakes at least every
    // lease/4 to look for expired leases.
    readonly SemaphoreSlim _signal = new(0);
    readonly int _interactiveCapacity;
    readonly int _batchCapacity;
    readonly TimeSpan _lease;
    readonly TimeProvider _time;

    public InProcessJobQueue(string family, int interactiveCapacity, int batchCapacity, TimeSpan? lease = null, TimeProvider? time = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(family);
        ArgumentOutOfRangeException.ThrowIfLessThan(interactiveCapacity, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(batchCapacity, 1);
        Family = family;
        _interactiveCapacity = interactiveCapacity;
        _batchCapacity = batchCapacity;
        _lease = lease ?? TimeSpan.FromSeconds(30);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(_lease, TimeSpan.Zero);
        _time = time ?? TimeProvider.System;
    }

    public string Family { get; }

    public ValueTask<int> CountAsync(CancellationToken cancellationToken)
    {
        lock (_lock) return ValueTask.FromResult(_index.Count);
    }

    public ValueTask<bool> HasRoomAsync(JobPriority priority, int count, CancellationToken cancellationToken)
    {
        lock (_lock) return ValueTask.FromResult(Lane(priority).Count + count <= Capacity(priority));
    }

    public ValueTask<bool> EnqueueAsync(QueuedJob job, bool ignoreLimit, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(job);
        lock (_lock)
        {
            if (_index.ContainsKey(job.JobId) || _leased.ContainsKey(job.JobId)) return ValueTask.FromResult(true);
            var lane = Lane(job.Priority);
            if (!ignoreLimit && lane.Count >= Capacity(job.Priority)) return ValueTask.FromResult(false);
            _index[job.JobId] = lane.AddLast(job);
        }
        _signal.Release();
        return ValueTask.FromResult(true);
    }

    public async ValueTask<JobLease> TakeAsync(string consumer, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(consumer);
        var poll = _lease / 4 < TimeSpan.FromSeconds(1) ? _lease / 4 : TimeSpan.FromSeconds(1);
        while (true)
        {
            lock (_lock)
            {
                long now = _time.GetTimestamp();
                foreach (var (jobId, held) in _leased)
                {
                    if (held.Deadline > now) continue;
                    var again = held.Lease with { Consumer = consumer, DeliveryId = Guid.NewGuid().ToString("N"), Deliveries = held.Lease.Deliveries + 1 };
                    _leased[jobId] = new Leased(again, Deadline(now));
                    return again;
                }
                var lane = _interactive.Count > 0 ? _interactive : _batch;
                if (lane.First is { } first)
                {
                    lane.RemoveFirst();
                    _index.Remove(first.Value.JobId);
                    var lease = new JobLease(first.Value.JobId, first.Value.Priority, consumer, Guid.NewGuid().ToString("N"), 1);
                    _leased[lease.JobId] = new Leased(lease, Deadline(now));
                    return lease;
                }
            }
            await _signal.WaitAsync(poll, cancellationToken).ConfigureAwait(false);
        }
    }

    public ValueTask<bool> RenewAsync(JobLease lease, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(lease);
        lock (_lock)
        {
            if (!Holds(lease)) return ValueTask.FromResult(false);
            _leased[lease.JobId] = new Leased(_leased[lease.JobId].Lease, Deadline(_time.GetTimestamp()));
            return ValueTask.FromResult(true);
        }
    }

    public ValueTask<bool> AcknowledgeAsync(JobLease lease, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(lease);
        lock (_lock) return ValueTask.FromResult(Holds(lease) && _leased.Remove(lease.JobId));
    }

    public ValueTask<bool> RemoveAsync(string jobId, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            if (!_index.Remove(jobId, out var node)) return ValueTask.FromResult(false);
            node.List!.Remove(node);
            return ValueTask.FromResult(true);
        }
    }

    public ValueTask<int?> PositionOfAsync(string jobId, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            if (!_index.TryGetValue(jobId, out var node)) return ValueTask.FromResult<int?>(null);
            int position = node.List == _batch ? _interactive.Count : 0;
            for (var n = node.List!.First; n != node; n = n!.Next) position++;
            return ValueTask.FromResult<int?>(position);
        }
    }

    bool Holds(JobLease lease) => _leased.TryGetValue(lease.JobId, out var held) && held.Lease.DeliveryId == lease.DeliveryId;

    long Deadline(long now) => now + (long)(_lease.TotalSeconds * _time.TimestampFrequency);

    LinkedList<QueuedJob> Lane(JobPriority priority) => priority == JobPriority.Interactive ? _interactive : _batch;

    int Capacity(JobPriority priority) => priority == JobPriority.Interactive ? _interactiveCapacity : _batchCapacity;

    public void Dispose() => _signal.Dispose();

    readonly record struct Leased(JobLease Lease, long Deadline);
}
