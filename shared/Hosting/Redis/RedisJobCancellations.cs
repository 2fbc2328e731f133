using Media.Hosting.Jobs;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Media.Hosting.Redis;

/// <summary>
/// Cancel messages on one Redis channel (<c>media:cancel</c>) that every worker subscribes to; each hands a message to the
/// job's observer if the job runs there. Messages sent while a worker was disconnected are caught by the persisted cancel
/// flag, which the worker reads at every lease renewal.
/// </summary>
public sealed class RedisJobCancellations(IConnectionMultiplexer redis, IOptions<ScaleOutOptions> options) : IJobCancellations, IDisposable
{
    readonly InProcessJobCancellations local = new();
    readonly RedisChannel channel = RedisChannel.Literal($"{options.Value.KeyPrefix}:cancel");
    readonly SemaphoreSlim setup = new(1, 1);
    bool subscribed;

    public async ValueTask PublishAsync(string jobId, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(jobId);
        await redis.GetSubscriber().PublishAsync(channel, jobId).ConfigureAwait(false);
    }

    public async ValueTask<IAsyncDisposable> ObserveAsync(string jobId, Action cancel, CancellationToken cancellationToken)
    {
        if (!Volatile.Read(ref subscribed))
        {
            await setup.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                if (!subscribed)
                {
                    await redis.GetSubscriber().SubscribeAsync(channel, (_, message) => local.Signal((string)message!)).ConfigureAwait(false);
                    Volatile.Write(ref subscribed, true);
                }
            }
            finally { setup.Release(); }
        }
        return await local.ObserveAsync(jobId, cancel, cancellationToken).ConfigureAwait(false);
    }

    public void Dispose() => setup.Dispose();
}
