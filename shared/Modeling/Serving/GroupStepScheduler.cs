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

    /// <summary>Queues a request; it joins at a step boundary once fewer than <see cref="MaxRunning"/> run.</summary>
    public void Submit(TRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        Enqueue(request);
    }

    /// <summary>
    /// Admits, then one batched step per group of equal keys, then retires. The report's <see cref="StepReport.DecodeRows"/>
    /// counts the requests stepped.
    /// </summary>
    protected override (int Rows, int PrefillTokens) Advance(StepOutcome outcome)
    {
        while (Waiting.Count > 0 && Running.Count < MaxRunning)
        {
            var request = Waiting[0];
            Waiting.RemoveAt(0);
            Running.Add(request);
            if (Guard(request, outcome, () => stepper.Admit(request))) outcome.Joined.Add(request.Id);
        }
        int stepped = 0;
        foreach (var group in Running.Where(r => !r.IsDone).GroupBy(r => r.BatchKey).Select(g => g.ToList()).ToList())
        {
            try
            {
                stepper.Advance(group);
                stepped += group.Count;
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                foreach (var request in group) Fail(request, ex, outcome);
            }
        }
        foreach (var request in Running.Where(r => r.IsDone).ToList()) Complete(request, outcome);
        return (stepped, 0);
    }

    /// <inheritdoc/>
    protected override void Release(TRequest request) => stepper.Release(request);
}
