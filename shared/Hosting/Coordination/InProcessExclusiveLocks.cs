using System.Collections.Concurrent;

namespace Media.Hosting.Coordination;

/// <summary>The embedded locks: one process is the only competitor, so a semaphore per name.</summary>
public sealed class InProcessExclusiveLocks : IExclusiveLocks
{
    readonly ConcurrentDictionary<string, SemaphoreSlim> locks = new(StringComparer.Ordinal);

    public bool Shared => false;

    public Task<IAsyncDisposable?> TryAcquireAsync(string name, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        cancellationToken.ThrowIfCancellationRequested();
        var semaphore = locks.GetOrAdd(name, _ => new SemaphoreSlim(1, 1));
        return Task.FromResult<IAsyncDisposable?>(semaphore.Wait(0, CancellationToken.None) ? new Held(semaphore) : null);
    }

    sealed class Held(SemaphoreSlim semaphore) : IAsyncDisposable
    {
        int released;

        public ValueTask DisposeAsync()
        {
            if (Interlocked.Exchange(ref released, 1) == 0) semaphore.Release();
            return ValueTask.CompletedTask;
        }
    }
}
