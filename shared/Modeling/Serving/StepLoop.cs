using System.Collections.Concurrent;

namespace Media.Modeling.Serving;

/// <summary>
/// What every step scheduler shares: thread-safe submission and cancellation that take effect at the next step
/// boundary, one step at a time (<see cref="EnterStep"/>), a dedicated thread that steps while there is work and
/// sleeps while idle, and cancelling everything left when that thread stops. Subclasses decide what a step does:
/// <see cref="StepScheduler"/> decodes tokens, <see cref="GroupStepScheduler{TRequest}"/> steps groups of like requests.
/// </summary>
public abstract class StepLoop<TRequest> : IDisposable where TRequest : ScheduledRequest
{
    readonly ConcurrentQueue<TRequest> submitted = new();
    readonly ConcurrentDictionary<Guid, bool> cancellations = new();
    readonly SemaphoreSlim wake = new(0);
    readonly Lock stepGate = new();

    /// <summary>True while anything is submitted or to be cancelled; subclasses add what they hold.</summary>
    public virtual bool HasWork => !submitted.IsEmpty || !cancellations.IsEmpty;

    /// <summary>Stops the request with this id at the next step and frees what it holds; unknown ids are ignored.</summary>
    public void Cancel(Guid id)
    {
        cancellations[id] = true;
        wake.Release();
    }

    /// <summary>Steps on a dedicated thread until <paramref name="cancellationToken"/> fires, sleeping while idle; then cancels what is left.</summary>
    public Task RunAsync(CancellationToken cancellationToken) =>
        Task.Factory.StartNew(() =>
        {
            try
            {
                while (!cancellationToken.IsCancellationRequested)
                {
                    if (HasWork) RunStep();
                    else wake.Wait(cancellationToken);
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                // Shutting down: fall through and release everything still queued.
            }
            lock (stepGate) CancelEverything();
        }, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);

    /// <summary>Queues a checked request for the next step and wakes the stepping thread.</summary>
    protected void Enqueue(TRequest request)
    {
        submitted.Enqueue(request);
        wake.Release();
    }

    /// <summary>Takes the requests submitted since the last call, in order.</summary>
    protected IEnumerable<TRequest> TakeSubmitted()
    {
        while (submitted.TryDequeue(out var request)) yield return request;
    }

    /// <summary>Takes the ids asked to be cancelled since the last call.</summary>
    protected IReadOnlyList<Guid> TakeCancellations()
    {
        var ids = new List<Guid>();
        foreach (var id in cancellations.Keys)
            if (cancellations.TryRemove(id, out _)) ids.Add(id);
        return ids;
    }

    /// <summary>Forgets pending cancellations (everything is being cancelled anyway).</summary>
    protected void ClearCancellations() => cancellations.Clear();

    /// <summary>Claims the step; throws when another thread is stepping. Pair with <see cref="ExitStep"/>.</summary>
    protected void EnterStep()
    {
        if (!stepGate.TryEnter()) throw new InvalidOperationException("Step is already running on another thread.");
    }

    /// <summary>Releases the step claimed by <see cref="EnterStep"/>.</summary>
    protected void ExitStep() => stepGate.Exit();

    /// <summary>One step, as the loop runs it.</summary>
    protected abstract void RunStep();

    /// <summary>Cancels every request still submitted, waiting or running (called once the loop stops, holding the step).</summary>
    protected abstract void CancelEverything();

    /// <summary>Releases the wake-up signal (models and caches belong to the caller).</summary>
    public void Dispose()
    {
        Dispose(true);
        GC.SuppressFinalize(this);
    }

    /// <summary>Releases the wake-up signal.</summary>
    protected virtual void Dispose(bool disposing)
    {
        if (disposing) wake.Dispose();
    }
}
