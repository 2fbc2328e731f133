namespace Media.Hosting.Jobs;

/// <summary>
/// The legal status moves. A queued job starts, is cancelled, or fails (a model that cannot load);
/// a running job finishes one of three ways or goes back to the queue (its worker stopped). Finished
/// jobs never change again.
/// </summary>
public static class JobStateMachine
{
    public static bool IsTerminal(JobStatus status) =>
        status is JobStatus.Succeeded or JobStatus.Failed or JobStatus.Cancelled;

    public static bool CanMove(JobStatus from, JobStatus to) => (from, to) switch
    {
        (JobStatus.Queued, JobStatus.Running or JobStatus.Cancelled or JobStatus.Failed) => true,
        (JobStatus.Running, JobStatus.Succeeded or JobStatus.Failed or JobStatus.Cancelled or JobStatus.Queued) => true,
        _ => false,
    };

    /// <summary>The event a move records: every status change is visible in the job's event stream.</summary>
    public static JobEventType EventFor(JobStatus to) => to switch
    {
        JobStatus.Queued => JobEventType.Queued,
        JobStatus.Running => JobEventType.Started,
        JobStatus.Succeeded => JobEventType.Completed,
        JobStatus.Failed => JobEventType.Failed,
        JobStatus.Cancelled => JobEventType.Cancelled,
        _ => throw new ArgumentOutOfRangeException(nameof(to), to, "Unknown job status."),
    };

    /// <summary>The job after the move, with its timestamps; throws when the move is illegal.</summary>
    public static Job Move(Job job, JobStatus to, DateTimeOffset at, string? failureReason = null, IReadOnlyList<string>? artifacts = null)
    {
        ArgumentNullException.ThrowIfNull(job);
        if (!CanMove(job.Status, to)) throw new InvalidJobTransitionException(job.Id, job.Status, to);
        if (to == JobStatus.Failed && string.IsNullOrWhiteSpace(failureReason))
            throw new ArgumentException("A failed job needs a reason.", nameof(failureReason));
        return job with
        {
            Status = to,
            UpdatedAt = at,
            StartedAt = to == JobStatus.Running ? at : to == JobStatus.Queued ? null : job.StartedAt,
            FinishedAt = IsTerminal(to) ? at : null,
            FailureReason = to == JobStatus.Failed ? failureReason : null,
            Artifacts = artifacts ?? job.Artifacts,
        };
    }
}
