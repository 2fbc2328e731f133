using Media.Hosting.Jobs;
using Media.Hosting.Workers;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Media.Hosting.Health;

/// <summary>Ready once restart recovery has put the stored jobs back in their queues and the job store answers a query.</summary>
public sealed class JobStoreHealthCheck(JobRecovery recovery, IJobStore store) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        if (recovery.Completed.IsFaulted)
            return HealthCheckResult.Unhealthy("restart recovery failed", recovery.Completed.Exception?.GetBaseException());
        if (!recovery.Completed.IsCompletedSuccessfully)
            return HealthCheckResult.Unhealthy("starting: restart recovery is not done");
        try
        {
            var counts = await store.CountByStatusAsync(cancellationToken).ConfigureAwait(false);
            return HealthCheckResult.Healthy("the job store answers",
                counts.ToDictionary(c => c.Key.ToString().ToLowerInvariant(), c => (object)c.Value, StringComparer.Ordinal));
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            return HealthCheckResult.Unhealthy($"job store unavailable: {ex.Message}", ex);
        }
    }
}
