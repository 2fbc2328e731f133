using System.Globalization;
using System.Security.Claims;
using System.Threading.RateLimiting;
using Media.Gateway.Apis;
using Microsoft.AspNetCore.RateLimiting;

namespace Media.Gateway.Security;

/// <summary>
/// Per-key request rate with ASP.NET Core's rate limiter: a token bucket per key holding a minute's worth
/// of requests, one token back every 60/N seconds. Beyond it: 429 with Retry-After (hub calls: <see cref="HubRateLimitFilter"/>). The local user without
/// a key (loopback only) is not limited.
/// </summary>
internal static class KeyRateLimiting
{
    public const string Policy = "per-key";

    public static IServiceCollection AddKeyRateLimiting(this IServiceCollection services) => services.AddRateLimiter(limiter =>
    {
        limiter.AddPolicy(Policy, context => Partition(context.User));
        limiter.OnRejected = async (rejected, cancellationToken) =>
        {
            int seconds = RetryAfterSeconds(rejected.Lease);
            rejected.HttpContext.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
            await AccessErrors.WriteAsync(rejected.HttpContext, StatusCodes.Status429TooManyRequests, "rate_limit_exceeded", "Too many requests",
                $"This API key has used its requests per minute; retry after {seconds} s.");
        };
    });

    /// <summary>A key's token bucket (REST and the hub each keep one per key, of the same size); no limit for the local user without a key.</summary>
    internal static RateLimitPartition<string> Partition(ClaimsPrincipal user)
    {
        if (!int.TryParse(user.FindFirst(CallerClaims.RequestsPerMinute)?.Value, NumberStyles.None, CultureInfo.InvariantCulture, out int perMinute))
            return RateLimitPartition.GetNoLimiter(Caller.Anonymous);
        // The figure is part of the partition, so a key's bucket always has its own size.
        return RateLimitPartition.GetTokenBucketLimiter($"{Caller.Owner(user)}/{perMinute}", _ => new TokenBucketRateLimiterOptions
        {
            TokenLimit = perMinute,
            TokensPerPeriod = 1,
            ReplenishmentPeriod = TimeSpan.FromMinutes(1) / perMinute,
            QueueLimit = 0,
            AutoReplenishment = true,
        });
    }

    /// <summary>Whole seconds until the refused caller may try again (at least 1).</summary>
    internal static int RetryAfterSeconds(RateLimitLease lease)
    {
        var wait = lease.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter) ? retryAfter : TimeSpan.FromSeconds(1);
        return Math.Max(1, (int)Math.Ceiling(wait.TotalSeconds));
    }
}
