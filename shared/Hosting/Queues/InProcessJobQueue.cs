using Media.Hosting.Jobs;

namespace Media.Hosting.Queues;

/// <summary>
/// Two bounded FIFO lanes (interactive, batch) and the leased jobs, under one lock; the persisted job store makes it
/// durable across restarts (see <see cref="IJobQueues.Durable"/>). A lease not renewed within its duration is handed out again.
/// </summary>
public sealed class InProcessJobQueue : IJobQueue, IDisposable
{
    readonly Lock gate = new();
    readonly LinkedList<QueuedJob> interactive = new();
    readonly LinkedList<QueuedJob> batch = new();
    readonly Dictionary<string, LinkedListNode<QueuedJob>> index = new(StringComparer.Ordinal);
    readonly Dictionary<string, Leased> leased = new(StringComparer.Ordinal);
    // Released once per enqueue; a taker that finds nothing (a removed job) waits again, and wakes at least every
    // lease/4 to look for expired leases.
    readonly SemaphoreSlim signal = new(0);
    readonly int interactiveCapacity;
    readonly int batchCapacity;
    readonly TimeSpan lease;
    readonly TimeProvider time;

    public InProcessJobQueue(string family, int interactiveCapacity, int batchCapacity, TimeSpan? lease = null, TimeProvider? time = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(family);
        ArgumentOutOfRangeException.ThrowIfLessThan(interactiveCapacity, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(batchCapacity, 1);
        Family = family;
        this.interactiveCapacity = interactiveCapacity;
        this.batchCapacity = batchCapacity;
        this.lease = lease ?? TimeSpan.FromSeconds(30);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(this.lease, TimeSpan.Zero);
        this.time = time ?? TimeProvider.System;
    }

    public string Family { get; }

    public ValueTask<int> CountAsync(CancellationToken cancellationToken)
    {
        lock (gate) return ValueTask.FromResult(index.Count);
    }

    public ValueTask<bool> HasRoomAsync(JobPriority priority, int count, CancellationToken cancellationToken)
    {
        lock (gate) return ValueTask.FromResult(Lane(priority).Count + count <= Capacity(priority));
    }

    public ValueTask<bool> EnqueueAsync(QueuedJob job, bool ignoreLimit, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(job);
        lock (gate)
        {
            if (index.ContainsKey(job.JobId) || leased.ContainsKey(job.JobId)) return ValueTask.FromResult(true);
            var lane = Lane(job.Priority);
            if (!ignoreLimit && lane.Count >= Capacity(job.Priority)) return ValueTask.FromResult(false);
            index[job.JobId] = lane.AddLast(job);
        }
        signal.Release();
        return ValueTask.FromResult(true);
    }

    public async ValueTask<JobLease> TakeAsync(string consumer, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(consumer);
        var poll = lease / 4 < TimeSpan.FromSeconds(1) ? lease / 4 : TimeSpan.FromSeconds(1);
        while (true)
        {
            lock (gate)
            {
                long now = time.GetTimestamp();
                foreach (var (jobId, held) in leased)
                {
                    if (held.Deadline > now) continue;
                    var again = held.Lease with { Consumer = consumer, DeliveryId = Guid.NewGuid().ToString("N"), Deliveries = held.Lease.Deliveries + 1 };
                    leased[jobId] = new Leased(again, Deadline(now));
                    return again;
                }
                var lane = interactive.Count > 0 ? interactive : batch;
                if (lane.First is { } first)
                {
                    lane.RemoveFirst();
                    index.Remove(first.Value.JobId);
                    var lease = new JobLease(first.Value.JobId, first.Value.Priority, consumer, Guid.NewGuid().ToString("N"), 1);
                    leased[lease.JobId] = new Leased(lease, Deadline(now));
                    return lease;
                }
            }
            await signal.WaitAsync(poll, cancellationToken).ConfigureAwait(false);
        }
    }

    public ValueTask<bool> RenewAsync(JobLease lease, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(lease);
        lock (gate)
        {
            if (!Holds(lease)) return ValueTask.FromResult(false);
            leased[lease.JobId] = new Leased(leased[lease.JobId].Lease, Deadline(time.GetTimestamp()));
            return ValueTask.FromResult(true);
        }
    }

    public ValueTask<bool> AcknowledgeAsync(JobLease lease, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(lease);
        lock (gate) return ValueTask.FromResult(Holds(lease) && leased.Remove(lease.JobId));
    }

    public ValueTask<bool> RemoveAsync(string jobId, CancellationToken cancellationToken)
    {
        lock (gate)
        {
            if (!index.Remove(jobId, out var node)) return ValueTask.FromResult(false);
            node.List!.Remove(node);
            return ValueTask.FromResult(true);
        }
    }

    public ValueTask<int?> PositionOfAsync(string jobId, CancellationToken cancellationToken)
    {
        lock (gate)
        {
            if (!index.TryGetValue(jobId, out var node)) return ValueTask.FromResult<int?>(null);
            int position = node.List == batch ? interactive.Count : 0;
            for (var n = node.List!.First; n != node; n = n!.Next) position++;
            return ValueTask.FromResult<int?>(position);
        }
    }

    bool Holds(JobLease lease) => leased.TryGetValue(lease.JobId, out var held) && held.Lease.DeliveryId == lease.DeliveryId;

    long Deadline(long now) => now + (long)(lease.TotalSeconds * time.TimestampFrequency);

    LinkedList<QueuedJob> Lane(JobPriority priority) => priority == JobPriority.Interactive ? interactive : batch;

    int Capacity(JobPriority priority) => priority == JobPriority.Interactive ? interactiveCapacity : batchCapacity;

    public void Dispose() => signal.Dispose();

    readonly record struct Leased(JobLease Lease, long Deadline);
}
