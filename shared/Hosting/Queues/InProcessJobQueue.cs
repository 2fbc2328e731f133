using Media.Hosting.Jobs;

namespace Media.Hosting.Queues;

/// <summary>Two bounded FIFO lanes (interactive, batch) under one lock; the persisted job store makes it durable.</summary>
public sealed class InProcessJobQueue : IJobQueue, IDisposable
{
    readonly Lock _lock = new();
    readonly LinkedList<QueuedJob> _interactive = new();
    readonly LinkedList<QueuedJob> _batch = new();
    readonly Dictionary<string, LinkedListNode<QueuedJob>> _index = new(StringComparer.Ordinal);
    // Released once per enqueue; a dequeuer that finds the lanes empty (a removed job) waits again.
    readonly SemaphoreSlim _signal = new(0);
    readonly int _interactiveCapacity;
    readonly int _batchCapacity;

    public InProcessJobQueue(string family, int interactiveCapacity, int batchCapacity)
    {
        ArgumentException.ThrowIfNullOrEmpty(family);
        ArgumentOutOfRangeException.ThrowIfLessThan(interactiveCapacity, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(batchCapacity, 1);
        Family = family;
        _interactiveCapacity = interactiveCapacity;
        _batchCapacity = batchCapacity;
    }

    public string Family { get; }

    public int Count
    {
        get { lock (_lock) return _index.Count; }
    }

    public bool HasRoom(JobPriority priority, int count = 1)
    {
        lock (_lock) return Lane(priority).Count + count <= Capacity(priority);
    }

    public bool TryEnqueue(QueuedJob job, bool ignoreLimit = false)
    {
        ArgumentNullException.ThrowIfNull(job);
        lock (_lock)
        {
            if (_index.ContainsKey(job.JobId)) return true;
            var lane = Lane(job.Priority);
            if (!ignoreLimit && lane.Count >= Capacity(job.Priority)) return false;
            _index[job.JobId] = lane.AddLast(job);
        }
        _signal.Release();
        return true;
    }

    public async ValueTask<QueuedJob> DequeueAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            await _signal.WaitAsync(cancellationToken).ConfigureAwait(false);
            lock (_lock)
            {
                var lane = _interactive.Count > 0 ? _interactive : _batch;
                if (lane.First is { } first)
                {
                    lane.RemoveFirst();
                    _index.Remove(first.Value.JobId);
                    return first.Value;
                }
            }
        }
    }

    public bool TryRemove(string jobId)
    {
        lock (_lock)
        {
            if (!_index.Remove(jobId, out var node)) return false;
            node.List!.Remove(node);
            return true;
        }
    }

    public int? PositionOf(string jobId)
    {
        lock (_lock)
        {
            if (!_index.TryGetValue(jobId, out var node)) return null;
            int position = node.List == _batch ? _interactive.Count : 0;
            for (var n = node.List!.First; n != node; n = n!.Next) position++;
            return position;
        }
    }

    LinkedList<QueuedJob> Lane(JobPriority priority) => priority == JobPriority.Interactive ? _interactive : _batch;

    int Capacity(JobPriority priority) => priority == JobPriority.Interactive ? _interactiveCapacity : _batchCapacity;

    public void Dispose() => _signal.Dispose();
}
