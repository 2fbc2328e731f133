namespace Media.Modeling.Serving;

/// <summary>
/// The model side of a <see cref="GroupStepScheduler{TRequest}"/>: prepares a request when it is admitted, advances a
/// group of requests with one batched step, and frees what a request holds when it leaves. Called on the stepping
/// thread only, inside the scheduler's dispose scope and with gradients off.
/// </summary>
public interface IGroupStepper<in TRequest> where TRequest : GroupedRequest
{
    /// <summary>Prepares an admitted request (ARDiT: encodes its text into its cache).</summary>
    void Admit(TRequest request);

    /// <summary>Advances every request of <paramref name="group"/> (equal <see cref="GroupedRequest.BatchKey"/>s) by one step together.</summary>
    void Advance(IReadOnlyList<TRequest> group);

    /// <summary>
    /// Frees what the request holds when it leaves: completed, cancelled or failed, admitted or still waiting (then it
    /// holds nothing yet). Its <see cref="ScheduledRequest.Completion"/> is set right after this returns.
    /// </summary>
    void Release(TRequest request);
}
