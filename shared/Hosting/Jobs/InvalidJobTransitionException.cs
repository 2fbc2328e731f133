namespace Media.Hosting.Jobs;

/// <summary>A status change the job's state machine does not allow (for example finishing a job twice).</summary>
public sealed class InvalidJobTransitionException : InvalidOperationException
{
    public InvalidJobTransitionException() { }

    public InvalidJobTransitionException(string message) : base(message) { }

    public InvalidJobTransitionException(string message, Exception inner) : base(message, inner) { }

    public InvalidJobTransitionException(string jobId, JobStatus from, JobStatus to)
        : base($"Job '{jobId}' cannot move from {from} to {to}.")
    {
        JobId = jobId;
        From = from;
        To = to;
    }

    public string? JobId { get; }
    public JobStatus From { get; }
    public JobStatus To { get; }
}
