using Media.Hosting.Jobs;

namespace Media.Hosting.Queues;

/// <summary>A job waiting in its family's queue.</summary>
public sealed record QueuedJob(string JobId, JobPriority Priority);

/// <summary>
/// One model family's queue of job ids (the jobs themselves live in the job store). Interactive jobs
/// leave before batch jobs; each lane is bounded. The embedded default is <see cref="InProcessJobQueue"/>;
/// a Redis Streams implementation (consumer groups) fills the same contract.
/// </summary>
public interface IJobQueue
{
    string Family { get; }

    /// <summary>Jobs waiting, both lanes.</summary>
    int Count { get; }

    /// <summary>Whether the lane of <paramref name="priority"/> has room for <paramref name="count"/> more jobs.</summary>
    bool HasRoom(JobPriority priority, int count = 1);

    /// <summary>Adds the job unless its lane is full (<paramref name="ignoreLimit"/>: restart recovery puts back what was accepted before).</summary>
    bool TryEnqueue(QueuedJob job, bool ignoreLimit = false);

    /// <summary>The next job, interactive first; waits while the queue is empty.</summary>
    ValueTask<QueuedJob> DequeueAsync(CancellationToken cancellationToken);

    /// <summary>Takes a waiting job out (cancellation); false when it is not waiting here.</summary>
    bool TryRemove(string jobId);

    /// <summary>How many jobs leave before this one (0: it is next), or null when it is not waiting.</summary>
    int? PositionOf(string jobId);
}

/// <summary>The queue of each model family.</summary>
public interface IJobQueues
{
    IJobQueue For(string family);

    IReadOnlyList<IJobQueue> All { get; }
}
