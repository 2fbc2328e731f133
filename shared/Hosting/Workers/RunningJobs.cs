using System.Collections.Concurrent;

namespace Media.Hosting.Workers;

/// <summary>The jobs this process is running, so a cancel by job id reaches the generator's token.</summary>
public sealed class RunningJobs
{
    readonly ConcurrentDictionary<string, Entry> _jobs = new(StringComparer.Ordinal);

    public int Count => _jobs.Count;

    internal bool TryAdd(string jobId, CancellationTokenSource cancellation) => _jobs.TryAdd(jobId, new Entry(cancellation));

    internal void Remove(string jobId) => _jobs.TryRemove(jobId, out _);

    /// <summary>Asks the job's generator to stop; false when the job is not running here.</summary>
    public bool TryCancel(string jobId)
    {
        if (!_jobs.TryGetValue(jobId, out var entry)) return false;
        entry.CancelRequested = true;
        try { entry.Cancellation.Cancel(); }
        catch (ObjectDisposedException) { return false; }
        return true;
    }

    /// <summary>Whether the stop came from a cancel request (not from the worker shutting down).</summary>
    internal bool WasCancelRequested(string jobId) => _jobs.TryGetValue(jobId, out var entry) && entry.CancelRequested;

    sealed class Entry(CancellationTokenSource cancellation)
    {
        public CancellationTokenSource Cancellation { get; } = cancellation;
        public volatile bool CancelRequested;
    }
}
