using System.Collections.Concurrent;

namespace Media.Hosting.Jobs;

/// <summary>The embedded cancellation messages: publisher and worker share this process.</summary>
public sealed class InProcessJobCancellations : IJobCancellations
{
    readonly ConcurrentDictionary<string, ConcurrentDictionary<Observer, byte>> observers = new(StringComparer.Ordinal);

    public ValueTask PublishAsync(string jobId, CancellationToken cancellationToken)
    {
        Signal(jobId);
        return ValueTask.CompletedTask;
    }

    /// <summary>Calls the job's observers in this process (a message that arrived from elsewhere, or a local publish).</summary>
    internal void Signal(string jobId)
    {
        ArgumentException.ThrowIfNullOrEmpty(jobId);
        if (observers.TryGetValue(jobId, out var jobObservers))
            foreach (var observer in jobObservers.Keys) observer.Cancel();
    }

    public ValueTask<IAsyncDisposable> ObserveAsync(string jobId, Action cancel, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(jobId);
        ArgumentNullException.ThrowIfNull(cancel);
        var observer = new Observer(this, jobId, cancel);
        observers.GetOrAdd(jobId, _ => new()).TryAdd(observer, 0);
        return ValueTask.FromResult<IAsyncDisposable>(observer);
    }

    sealed class Observer(InProcessJobCancellations owner, string jobId, Action cancel) : IAsyncDisposable
    {
        public void Cancel() => cancel();

        public ValueTask DisposeAsync()
        {
            if (owner.observers.TryGetValue(jobId, out var observers) && observers.TryRemove(this, out _) && observers.IsEmpty)
                owner.observers.TryRemove(new KeyValuePair<string, ConcurrentDictionary<Observer, byte>>(jobId, observers));
            return ValueTask.CompletedTask;
        }
    }
}
