namespace Media.Hosting.Jobs;

/// <summary>Filters and a page of the job list, newest first. <see cref="After"/> is the last id of the previous page.</summary>
public sealed record JobQuery(JobStatus? Status = null, string? Kind = null, string? Model = null, string? Owner = null,
    string? BatchId = null, int Limit = 20, string? After = null);

public sealed record JobPage(IReadOnlyList<Job> Jobs, bool HasMore);

/// <summary>
/// Durable jobs and their event logs. A status change and the event that records it are written
/// together, so after a crash a job's status and its events always agree. The embedded default is
/// <see cref="Storage.SqliteJobStore"/>; a PostgreSQL implementation fills the same contract.
/// </summary>
public interface IJobStore
{
    /// <summary>Creates the tables if needed.</summary>
    Task InitializeAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Stores a new queued job with its first event (queued, sequence 1). When the owner already used
    /// the job's idempotency key, nothing is written and the existing job comes back with <c>Created = false</c>.
    /// </summary>
    Task<(Job Job, JobEvent? Queued, bool Created)> CreateAsync(Job job, CancellationToken cancellationToken);

    Task<Job?> GetAsync(string id, CancellationToken cancellationToken);

    Task<Job?> FindByIdempotencyKeyAsync(string owner, string key, CancellationToken cancellationToken);

    Task<JobPage> ListAsync(JobQuery query, CancellationToken cancellationToken);

    /// <summary>Jobs in one status, oldest first (restart recovery).</summary>
    Task<IReadOnlyList<Job>> ListByStatusAsync(JobStatus status, CancellationToken cancellationToken);

    Task<IReadOnlyDictionary<JobStatus, long>> CountByStatusAsync(CancellationToken cancellationToken);

    /// <summary>The owner's unfinished interactive jobs (batch jobs are not counted): how many wait, how many run.</summary>
    Task<(int Queued, int Running)> CountActiveAsync(string owner, CancellationToken cancellationToken);

    /// <summary>
    /// Moves the job (throws <see cref="InvalidJobTransitionException"/> when illegal) and appends the
    /// event of the move, atomically. <paramref name="details"/> carries the event's message/artifacts.
    /// </summary>
    Task<(Job Job, JobEvent Event)> TransitionAsync(string id, JobStatus to, JobEvent details, CancellationToken cancellationToken);

    /// <summary>
    /// Retention: deletes at most <paramref name="limit"/> finished jobs that ended before <paramref name="before"/>
    /// (not those of a batch still running), with their events and artifact references; returns how many.
    /// </summary>
    Task<int> DeleteFinishedBeforeAsync(DateTimeOffset before, int limit, CancellationToken cancellationToken);

    /// <summary>Appends a progress, preview or audio-chunk event to a running job; returns it with its sequence.</summary>
    Task<JobEvent> AppendEventAsync(JobEvent evt, CancellationToken cancellationToken);

    /// <summary>Events with a sequence greater than <paramref name="afterSequence"/>, in order, at most <paramref name="limit"/>.</summary>
    /// <summary>Records that the job was asked to stop, so the request outlives this process (false: it already finished).</summary>
    Task<bool> RequestCancelAsync(string id, CancellationToken cancellationToken);

    Task<IReadOnlyList<JobEvent>> ReadEventsAsync(string jobId, long afterSequence, int limit, CancellationToken cancellationToken);
}
