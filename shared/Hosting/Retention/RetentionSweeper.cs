using Media.Hosting.Artifacts;
using Media.Hosting.Batches;
using Media.Hosting.Coordination;
using Media.Hosting.Jobs;
using Media.Hosting.Workers;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Media.Hosting.Retention;

/// <summary>What one sweep deleted.</summary>
public sealed record RetentionSweep(int Jobs, int Batches, int Artifacts, long BytesFreed);

/// <summary>
/// Deletes finished jobs and batches older than <see cref="RetentionOptions.MaxAge"/> (events and database
/// space included), then every artifact that nothing holds any more. Artifacts are content-addressed and
/// shared: one that a live job or batch still holds stays, whoever else made it. With several gateways each sweep holds the
/// shared lock <see cref="LockName"/>: one gateway sweeps, the others skip that interval.
/// </summary>
public sealed class RetentionSweeper(IJobStore jobs, IBatchStore batches, IArtifactStore artifacts, IArtifactReferences references,
    JobRecovery recovery, IOptions<RetentionOptions> options, TimeProvider time, ILogger<RetentionSweeper> logger, IExclusiveLocks locks) : BackgroundService
{
    public const string LockName = "retention";
    const int JobsPerTransaction = 500;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await recovery.Completed.WaitAsync(stoppingToken).ConfigureAwait(false);
        if (options.Value.MaxAge <= TimeSpan.Zero) return;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                var sweep = await TrySweepAsync(stoppingToken).ConfigureAwait(false);
                if (sweep is null) logger.LogDebug("Another process holds the retention lock; this interval's sweep is theirs");
                else if (sweep.Jobs + sweep.Batches + sweep.Artifacts > 0)
                    logger.LogInformation("Retention deleted {Jobs} jobs, {Batches} batches and {Artifacts} artifacts ({Bytes} bytes)",
                        sweep.Jobs, sweep.Batches, sweep.Artifacts, sweep.BytesFreed);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                logger.LogError(ex, "Retention sweep failed; it runs again at the next interval");
            }
            await Task.Delay(options.Value.SweepInterval, time, stoppingToken).ConfigureAwait(false);
        }
    }

    /// <summary>One sweep now under the retention lock (what the background loop runs each interval); null when another process is sweeping.</summary>
    public async Task<RetentionSweep?> TrySweepAsync(CancellationToken cancellationToken)
    {
        var held = await locks.TryAcquireAsync(LockName, cancellationToken).ConfigureAwait(false);
        if (held is null) return null;
        await using (held.ConfigureAwait(false)) return await SweepAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>One sweep now, without the lock (the background loop takes it: <see cref="TrySweepAsync"/>).</summary>
    public async Task<RetentionSweep> SweepAsync(CancellationToken cancellationToken)
    {
        var settings = options.Value;
        if (settings.MaxAge <= TimeSpan.Zero) return new RetentionSweep(0, 0, 0, 0);
        var now = time.GetUtcNow();
        var cutoff = now - settings.MaxAge;
        int jobCount = 0;
        for (int n; (n = await jobs.DeleteFinishedBeforeAsync(cutoff, JobsPerTransaction, cancellationToken).ConfigureAwait(false)) > 0;)
        {
            jobCount += n;
            if (n < JobsPerTransaction) break;
        }
        int batchCount = await batches.DeleteFinishedBeforeAsync(cutoff, cancellationToken).ConfigureAwait(false);

        int artifactCount = 0;
        long freed = 0;
        var unused = now - settings.ArtifactGrace;
        await foreach (string id in artifacts.ListSavedBeforeAsync(unused, cancellationToken).ConfigureAwait(false))
        {
            if (await references.IsHeldAsync(id, cancellationToken).ConfigureAwait(false)) continue;
            long bytes = await artifacts.DeleteAsync(id, unused, cancellationToken).ConfigureAwait(false);
            if (bytes > 0) { artifactCount++; freed += bytes; }
        }
        return new RetentionSweep(jobCount, batchCount, artifactCount, freed);
    }
}
