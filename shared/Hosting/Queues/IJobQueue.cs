using Media.Hosting.Jobs;

namespace Media.Hosting.Queues;

/// <summary>A job waiting in its family's queue.</summary>
public sealed record QueuedJob(string JobId, JobPriority Priority);

/// <summary>
/// A job handed to one worker (<paramref name="Consumer"/>) until the lease runs out. The worker renews it while the job
/// runs and acknowledges it at the end; a lease that is neither renewed nor acknowledged in time (the worker died) is
/// handed out again. <paramref name="DeliveryId"/> names this hand-out (a stream entry id in Redis); <paramref name="Deliveries"/>
/// counts hand-outs of the same entry (1: first).
/// </summary>
public sealed record JobLease(string JobId, JobPriority Priority, string Consumer, string DeliveryId, int Deliveries);

/// <summary>
/// One model family's queue of job ids (the jobs themselves live in the job store). Interactive jobs
/// leave before batch jobs; each lane is bounded. A job leaves under a lease (see <see cref="JobLease"/>).
/// The embedded default is <see cref="InProcessJobQueue"/>; <c>Redis.RedisJobQueue</c> (streams and consumer groups)
/// fills the same contract, and the same contract tests run against both.
/// </summary>
public interface IJobQueue
{
    string Family { get; }

    /// <summary>Jobs waiting (not leased), both lanes.</summary>
    ValueTask<int> CountAsync(CancellationToken cancellationToken);

    /// <summary>Whether the lane of <paramref name="priority"/> has room for <paramref name="count"/> more jobs.</summary>
    ValueTask<bool> HasRoomAsync(JobPriority priority, int count, CancellationToken cancellationToken);

    /// <summary>
    /// Adds the job unless its lane is full (<paramref name="ignoreLimit"/>: recovery puts back what was accepted before).
    /// A job already waiting or leased is not added twice (true).
    /// </summary>
    ValueTask<bool> EnqueueAsync(QueuedJob job, bool ignoreLimit, CancellationToken cancellationToken);

    /// <summary>
    /// The next job under a lease for <paramref name="consumer"/>: first a job whose lease expired, else the next waiting one,
    /// interactive first; waits while there is none.
    /// </summary>
    ValueTask<JobLease> TakeAsync(string consumer, CancellationToken cancellationToken);

    /// <summary>Extends the lease; false when it is no longer this consumer's (it expired and another worker took the job).</summary>
    ValueTask<bool> RenewAsync(JobLease lease, CancellationToken cancellationToken);

    /// <summary>The job is done with (finished, or handed back): it leaves the queue for good. False when the lease was lost.</summary>
    ValueTask<bool> AcknowledgeAsync(JobLease lease, CancellationToken cancellationToken);

    /// <summary>Takes a waiting job out (cancellation); false when it is not waiting here (leased, or never queued).</summary>
    ValueTask<bool> RemoveAsync(string jobId, CancellationToken cancellationToken);

    /// <summary>How many jobs leave before this one (0: it is next), or null when it is not waiting.</summary>
    ValueTask<int?> PositionOfAsync(string jobId, CancellationToken cancellationToken);
}

/// <summary>The queue of each model family.</summary>
public interface IJobQueues
{
    IJobQueue For(string family);

    /// <summary>The families' queues this process has used or knows of.</summary>
    IReadOnlyList<IJobQueue> All { get; }

    /// <summary>
    /// Whether the queues outlive this process (Redis). When they do not (in-process), start-up puts the store's queued
    /// jobs back, and the jobs the store says are running had their leases here: they are handed out again as expired.
    /// </summary>
    bool Durable { get; }
}
