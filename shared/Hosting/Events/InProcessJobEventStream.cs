using Media.Hosting.Jobs;

namespace Media.Hosting.Events;

/// <summary>The embedded event stream: a published event goes straight to this process's followers (<see cref="JobEventFollowers"/>).</summary>
public sealed class InProcessJobEventStream(IJobStore store) : IJobEventStream
{
    readonly JobEventFollowers followers = new(store);

    public ValueTask PublishAsync(JobEvent persisted, CancellationToken cancellationToken)
    {
        followers.Write(persisted);
        return ValueTask.CompletedTask;
    }

    public IAsyncEnumerable<JobEvent> ReadAsync(string jobId, long afterSequence, CancellationToken cancellationToken) =>
        followers.ReadAsync(jobId, afterSequence, cancellationToken);
}
