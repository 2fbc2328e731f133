using Media.Hosting.Jobs;

namespace Media.Hosting.Events;

/// <summary>
/// Live delivery of job events on top of the persisted log. The embedded default follows in-process
/// channels; <c>Redis.RedisJobEventStream</c> publishes to a per-job Redis stream that any gateway reads. Either way a reader
/// sees every event after the sequence it names exactly once, in order.
/// </summary>
public interface IJobEventStream
{
    /// <summary>Hands an event the job store has just persisted to everyone following its job, wherever they are connected.</summary>
    ValueTask PublishAsync(JobEvent persisted, CancellationToken cancellationToken);

    /// <summary>
    /// The job's events after <paramref name="afterSequence"/>: first what the log holds, then live ones
    /// as they happen, with no gap and no duplicate. Ends after the terminal event (completed, failed, cancelled).
    /// </summary>
    IAsyncEnumerable<JobEvent> ReadAsync(string jobId, long afterSequence, CancellationToken cancellationToken);
}
