namespace Media.Hosting.Jobs;

/// <summary>
/// Cancel requests for running jobs, as messages: the gateway that took the request publishes one, and the worker
/// holding the job observes it wherever it runs. The request is also persisted on the job (<see cref="IJobStore.RequestCancelAsync"/>),
/// which a worker reads when it takes or renews a job, so a message missed during a reconnect still stops the job.
/// The embedded default is <see cref="InProcessJobCancellations"/>; <c>Redis.RedisJobCancellations</c> uses a pub/sub channel.
/// </summary>
public interface IJobCancellations
{
    /// <summary>Asks whichever worker holds the job to stop it.</summary>
    ValueTask PublishAsync(string jobId, CancellationToken cancellationToken);

    /// <summary>Calls <paramref name="cancel"/> when a cancel for the job arrives, until the returned handle is disposed.</summary>
    ValueTask<IAsyncDisposable> ObserveAsync(string jobId, Action cancel, CancellationToken cancellationToken);
}
