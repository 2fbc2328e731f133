namespace Media.Hosting.Jobs;

/// <summary>Where a job is in its life; see <see cref="JobStateMachine"/> for the legal moves.</summary>
public enum JobStatus
{
    Queued,
    Running,
    Succeeded,
    Failed,
    Cancelled,
}
