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
    readonly InProcessJobCancellations _local = new();
    readonly RedisChannel _channel = RedisChannel.Literal($"{options.Value.KeyPrefix}:cancel");
    readonly SemaphoreSlim _setup = new(1, 1);
    bool _subscribed;

    public async ValueTask PublishAsync(string jobId, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(jobId);
        await redis.GetSubscriber().PublishAsync(_channel, jobId).ConfigureAwait(false);
    }

    public async ValueTask<IAsyncDisposable> ObserveAsync(string jobId, Action cancel, CancellationToken cancellationToken)
    {
        if (!Volatile.Read(ref _subscribed))
        {
            await _setup.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                if (!_subscribed)
                {
                    await redis.GetSubscriber().SubscribeAsync(_channel, (_, message) => _local.Signal((string)message!)).ConfigureAwait(false);
                    Volatile.Write(ref _subscribed, true);
                }
            }
            finally { _setup.Release(); }
        }
        return await _local.ObserveAsync(jobId, cancel, cancellationToken).ConfigureAwait(false);
    }

    public void Dispose() => _setup.Dispose();
}
