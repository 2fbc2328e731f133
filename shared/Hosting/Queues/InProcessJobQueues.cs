using System.Collections.Concurrent;
using Microsoft.Extensions.Options;

namespace Media.Hosting.Queues;

/// <summary>One <see cref="InProcessJobQueue"/> per family, created on first use with the configured bounds and lease.</summary>
public sealed class InProcessJobQueues(IOptions<JobsOptions> options, TimeProvider time) : IJobQueues, IDisposable
{
    readonly ConcurrentDictionary<string, InProcessJobQueue> queues = new(StringComparer.Ordinal);

    public IJobQueue For(string family) =>
        queues.GetOrAdd(family, f => new InProcessJobQueue(f, options.Value.QueueCapacity, options.Value.BatchQueueCapacity, options.Value.Lease, time));

    public IReadOnlyList<IJobQueue> All => queues.Values.OrderBy(q => q.Family, StringComparer.Ordinal).ToList<IJobQueue>();

    public bool Durable => false;

    public void Dispose()
    {
        foreach (var queue in queues.Values) queue.Dispose();
    }
}
