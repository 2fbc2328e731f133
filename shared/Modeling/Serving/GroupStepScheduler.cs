using static TorchSharp.torch;

namespace Media.Modeling.Serving;

/// <summary>
/// Iteration-level batching for requests that advance in steps of one shape (ARDiT's flow ODE steps over a block): up to
/// <see cref="MaxRunning"/> requests run at once, and each step groups them by <see cref="GroupedRequest.BatchKey"/> and
/// advances every group with one batched call of the <see cref="IGroupStepper{TRequest}"/>. Requests join and leave at step
/// boundaries, first come first served; an error in a group's step fails that group only. Submission and cancellation are
/// thread-safe (<see cref="StepLoop{TRequest}"/>); <see cref="Step"/> itself runs on one thread.
/// </summary>
public sealed class GroupStepScheduler<TRequest> : StepLoop<TRequest> where TRequest : GroupedRequest
{
    readonly IGroupStepper<TRequest> stepper;
    readonly List<TRequest> waiting = [];
    readonly List<TRequest> running = [];
    long steps;

    /// <summary>Serves requests with <paramref name="stepper"/>, at most <paramref name="maxRunning"/> at once.</summary>
    public GroupStepScheduler(IGroupStepper<TRequest> stepper, int maxRunning)
    {
        ArgumentNullException.ThrowIfNull(stepper);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxRunning);
        this.stepper = stepper;
        MaxRunning = maxRunning;
    }

    /// <summary>Most requests stepped at once; later ones wait for a place.</summary>
    public int MaxRunning { get; }

    /// <summary>Requests admitted and not yet finished, as of the last step.</summary>
    public int RunningCount => running.Count;

    /// <inheritdoc/>
    public override bool HasWork => base.HasWork || waiting.Count > 0 || running.Count > 0;

    /// <summary>Queues a request; it joins at a step boundary once fewer than <see cref="MaxRunning"/> run.</summary>
    public void Submit(TRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        Enqueue(request);
    }

    /// <summary>
    /// Runs one iteration: cancel, admit, one batched step per group of equal keys, retire. The report's
    /// <see cref="StepReport.DecodeRows"/> counts the requests stepped.
    /// </summary>
    public StepReport Step()
    {
        EnterStep();
        try
        {
            using var scope = NewDisposeScope();
            using var noGrad = no_grad();
            var joined = new List<Guid>();
            var finished = new List<Guid>();
            var cancelled = new List<Guid>();
            var failed = new List<Guid>();
            waiting.AddRange(TakeSubmitted());
            foreach (var id in TakeCancellations())
            {
                var request = running.Find(r => r.Id == id) ?? waiting.Find(r => r.Id == id);
                if (request is null) continue;
                Leave(request, RequestStatus.Cancelled, null);
                cancelled.Add(id);
            }
            while (waiting.Count > 0 && running.Count < MaxRunning)
            {
                var request = waiting[0];
                waiting.RemoveAt(0);
                running.Add(request);
                if (Guard(request, failed, () => stepper.Admit(request))) joined.Add(request.Id);
            }
            int stepped = 0;
            foreach (var group in running.Where(r => !r.IsDone).GroupBy(r => r.BatchKey).Select(g => g.ToList()).ToList())
            {
                try
                {
                    stepper.Advance(group);
                    stepped += group.Count;
                }
                catch (Exception ex) when (ex is not OutOfMemoryException)
                {
                    foreach (var request in group) Fail(request, ex, failed);
                }
            }
            foreach (var request in running.Where(r => r.IsDone).ToList())
            {
                Leave(request, RequestStatus.Completed, null);
                finished.Add(request.Id);
            }
            return new StepReport(++steps, stepped, 0, joined, finished, cancelled, failed);
        }
        finally
        {
            ExitStep();
        }
    }

    /// <inheritdoc/>
    protected override void RunStep() => Step();

    /// <inheritdoc/>
    protected override void CancelEverything()
    {
        waiting.AddRange(TakeSubmitted());
        foreach (var request in running.Concat(waiting).ToList()) Leave(request, RequestStatus.Cancelled, null);
        ClearCancellations();
    }

    bool Guard(TRequest request, List<Guid> failed, Action action)
    {
        try
        {
            action();
            return true;
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            Fail(request, ex, failed);
            return false;
        }
    }

    void Fail(TRequest request, Exception error, List<Guid> failed)
    {
        Leave(request, RequestStatus.Cancelled, error);
        failed.Add(request.Id);
    }

    /// <summary>Takes the request out of the scheduler, lets the stepper free it, then completes it (faulted when <paramref name="error"/> is set).</summary>
    void Leave(TRequest request, RequestStatus status, Exception? error)
    {
        waiting.Remove(request);
        running.Remove(request);
        try
        {
            stepper.Release(request);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            error ??= ex;
        }
        if (error is not null) request.Fail(error);
        else request.Finish(status);
    }
}
