using System.Collections.Concurrent;
using Media.Hosting.Queues;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Media.Hosting.Redis;

/// <summary>One <see cref="RedisJobQueue"/> per family; durable, so start-up leaves the jobs and leases in Redis as they are.</summary>
public sealed class RedisJobQueues(IConnectionMultiplexer redis, IOptions<JobsOptions> jobs, IOptions<ScaleOutOptions> scaleOut, Models.ModelCatalog catalog)
    : IJobQueues, IDisposable
{
    readonly ConcurrentDictionary<string, RedisJobQueue> queues = new(StringComparer.Ordinal);

    public IJobQueue For(string family) => queues.GetOrAdd(family, f =>
        new RedisJobQueue(redis, scaleOut.Value.KeyPrefix, f, jobs.Value.QueueCapacity, jobs.Value.BatchQueueCapacity, jobs.Value.Lease));

    /// <summary>Every family a registered model belongs to (a gateway reports depths it never used itself).</summary>
    public IReadOnlyList<IJobQueue> All =>
        [.. catalog.List().Select(m => m.Family).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).Select(For)];

    public bool Durable => true;

    public void Dispose()
    {
        foreach (var queue in queues.Values) queue.Dispose();
    }
}
