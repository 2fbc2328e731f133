using System.Globalization;
using System.Security.Claims;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.SignalR;

namespace Media.Gateway.Security;

/// <summary>
/// The per-key request rate on hub invocations (Submit, Stream, Cancel, ...): the rate limiter middleware sees only
/// the connection's HTTP requests, so without this one WebSocket would carry unlimited calls. Each key has a bucket of
/// the same size as its REST bucket (<see cref="KeyRateLimiting"/>); past it the call fails with a HubException
/// that says when to retry. The local user without a key (loopback only) is not limited, as on REST.
/// </summary>
internal sealed class HubRateLimitFilter(HubRateLimitFilter.Limiter limiter) : IHubFilter
{
    /// <summary>The hub's partitioned limiter, one per gateway (a singleton, disposed with it).</summary>
    internal sealed class Limiter() : IDisposable
    {
        readonly PartitionedRateLimiter<ClaimsPrincipal> limiter = PartitionedRateLimiter.Create<ClaimsPrincipal, string>(KeyRateLimiting.Partition);

        public RateLimitLease Acquire(ClaimsPrincipal user) => limiter.AttemptAcquire(user);

        public void Dispose() => limiter.Dispose();
    }

    public async ValueTask<object?> InvokeMethodAsync(HubInvocationContext invocationContext, Func<HubInvocationContext, ValueTask<object?>> next)
    {
        ArgumentNullException.ThrowIfNull(invocationContext);
        ArgumentNullException.ThrowIfNull(next);
        using (var lease = limiter.Acquire(invocationContext.Context.User ?? new ClaimsPrincipal()))
        {
            if (!lease.IsAcquired)
            {
                int seconds = KeyRateLimiting.RetryAfterSeconds(lease);
                throw new HubException(string.Create(CultureInfo.InvariantCulture,
                    $"rate limit exceeded: this API key has used its requests per minute; retry after {seconds} s (retry_after={seconds})."));
            }
        }
        return await next(invocationContext).ConfigureAwait(false);
    }
}
