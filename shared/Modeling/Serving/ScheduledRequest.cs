namespace Media.Modeling.Serving;

/// <summary>
/// Anything a step scheduler serves: an id to cancel it by, and a completion that says how it left the scheduler
/// (completed, cancelled, or faulted with the error one of its steps threw).
/// </summary>
public abstract class ScheduledRequest
{
    readonly TaskCompletionSource<RequestStatus> completion = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>The id used to cancel it.</summary>
    public Guid Id { get; } = Guid.NewGuid();

    /// <summary>Completes when the request leaves the scheduler; faults if one of its members threw.</summary>
    public Task<RequestStatus> Completion => completion.Task;

    internal void Finish(RequestStatus status) => completion.TrySetResult(status);

    internal void Fail(Exception error) => completion.TrySetException(error);
}
