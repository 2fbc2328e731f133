using System.Collections.Concurrent;
using Media.Modeling.Devices;
using static TorchSharp.torch;

namespace Media.Modeling.Serving;

/// <summary>
/// What every step scheduler shares: thread-safe submission and cancellation that take effect at the next step
/// boundary; the step itself, one at a time — take what was submitted, apply cancellations, let the subclass advance
/// (<see cref="Advance"/>), report; requests leaving with their resources released (<see cref="Release"/>) whether they
/// completed, were cancelled or failed; a dedicated thread that steps while there is work and sleeps while idle, and
/// cancelling everything left when that thread stops. Subclasses decide what advancing means:
/// <see cref="StepScheduler"/> decodes tokens, <see cref="GroupStepScheduler{TRequest}"/> steps groups of like requests.
/// </summary>
public abstract class StepLoop<TRequest> : IDisposable where TRequest : ScheduledRequest
{
    readonly ConcurrentQueue<TRequest> submitted = new();
    readonly ConcurrentDictionary<Guid, bool> cancellations = new();
    readonly SemaphoreSlim wake = new(0);
    readonly Lock stepGate = new();
    long steps;

    /// <summary>Requests submitted and not yet admitted, oldest first (touched only while stepping).</summary>
    protected List<TRequest> Waiting { get; } = [];

    /// <summary>Requests admitted and not yet finished (touched only while stepping).</summary>
    protected List<TRequest> Running { get; } = [];

    /// <summary>Requests admitted and not yet finished, as of the last step.</summary>
    public int RunningCount => Running.Count;

    /// <summary>True while anything is submitted, waiting, running or to be cancelled.</summary>
    public bool HasWork => !submitted.IsEmpty || !cancellations.IsEmpty || Waiting.Count > 0 || Running.Count > 0;

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

    /// <summary>
    /// Runs one iteration: take the submitted requests, cancel those asked, <see cref="Advance"/>, and report.
    /// Throws when another thread is stepping.
    /// </summary>
    public StepReport Step()
    {
        if (!stepGate.TryEnter()) throw new InvalidOperationException("Step is already running on another thread.");
        try
        {
            using var inFlight = FinalizerGate.Enter();
            using var scope = NewDisposeScope();
            using var noGrad = no_grad();
            var outcome = new StepOutcome();
            while (submitted.TryDequeue(out var request)) Waiting.Add(request);
            foreach (var id in cancellations.Keys)
            {
                if (!cancellations.TryRemove(id, out _)) continue;
                var request = Running.Find(r => r.Id == id) ?? Waiting.Find(r => r.Id == id);
                if (request is null) continue;
                Leave(request, RequestStatus.Cancelled, null);
                outcome.Cancelled.Add(id);
            }
            var (rows, prefillTokens) = Advance(outcome);
            return new StepReport(++steps, rows, prefillTokens, outcome.Joined, outcome.Finished, outcome.Cancelled, outcome.Failed);
        }
        finally
        {
            stepGate.Exit();
        }
    }

    /// <summary>
    /// The subclass's part of a step, after cancellations: admit waiting requests, advance the running ones, retire
    /// the finished (<see cref="Complete"/>), recording who joined, finished or failed. Returns the step's rows and
    /// prefill tokens for its <see cref="StepReport"/>.
    /// </summary>
    protected abstract (int Rows, int PrefillTokens) Advance(StepOutcome outcome);

    /// <summary>Frees what a leaving request holds (cache slots, per-request state); called once as it leaves.</summary>
    protected abstract void Release(TRequest request);

    /// <summary>Retires a finished request: released and completed.</summary>
    protected void Complete(TRequest request, StepOutcome outcome)
    {
        Leave(request, RequestStatus.Completed, null);
        outcome.Finished.Add(request.Id);
    }

    /// <summary>Runs one member's part of a step; if it throws, that request alone fails and false is returned.</summary>
    protected bool Guard(TRequest request, StepOutcome outcome, Action action)
    {
        try
        {
            action();
            return true;
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            Fail(request, ex, outcome);
            return false;
        }
    }

    /// <summary>Takes a request out with its resources released and its completion faulted with <paramref name="error"/>.</summary>
    protected void Fail(TRequest request, Exception error, StepOutcome outcome)
    {
        Leave(request, RequestStatus.Cancelled, error);
        outcome.Failed.Add(request.Id);
    }

    /// <summary>Takes the request out of the scheduler, releases it, then completes it (faulted when <paramref name="error"/> is set).</summary>
    void Leave(TRequest request, RequestStatus status, Exception? error)
    {
        Waiting.Remove(request);
        Running.Remove(request);
        try
        {
            Release(request);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            error ??= ex;
        }
        if (error is not null) request.Fail(error);
        else request.Finish(status);
    }

    void RunStep() => Step();

    /// <summary>Cancels every request still submitted, waiting or running (once the loop stops, holding the step).</summary>
    void CancelEverything()
    {
        while (submitted.TryDequeue(out var request)) Waiting.Add(request);
        foreach (var request in Running.Concat(Waiting).ToList()) Leave(request, RequestStatus.Cancelled, null);
        cancellations.Clear();
    }

    /// <summary>Who joined, finished, was cancelled or failed in one step.</summary>
    protected sealed class StepOutcome
    {
        public List<Guid> Joined { get; } = [];
        public List<Guid> Finished { get; } = [];
        public List<Guid> Cancelled { get; } = [];
        public List<Guid> Failed { get; } = [];
    }

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
