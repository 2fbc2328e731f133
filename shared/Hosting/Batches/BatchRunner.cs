using Media.Hosting.Coordination;
using Media.Hosting.Workers;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Media.Hosting.Batches;

/// <summary>
/// Moves active batches forward: woken by a new or cancelled batch, and every quarter second while
/// any is in progress (it counts their jobs). After a restart it picks up where the store says each
/// batch is. With several gateways each pass holds the shared lock <see cref="LockName"/>, so one gateway at a time
/// advances (and finalises) batches; an idle one also looks every few seconds for batches another gateway made.
/// </summary>
public sealed class BatchRunner(BatchService batches, JobRecovery recovery, IExclusiveLocks locks, ILogger<BatchRunner> logger) : BackgroundService
{
    public const string LockName = "batch-runner";
    static readonly TimeSpan Tick = TimeSpan.FromMilliseconds(250);
    /// <summary>How often an idle runner looks for batches when other gateways may have made them (scale-out only).</summary>
    static readonly TimeSpan SharedIdlePoll = TimeSpan.FromSeconds(5);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await recovery.Completed.WaitAsync(stoppingToken).ConfigureAwait(false);
            while (!stoppingToken.IsCancellationRequested)
            {
                int? active;
                try { active = await PassAsync(stoppingToken).ConfigureAwait(false); }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    // The store is away (a database restart): try again shortly, never end the runner.
                    logger.LogWarning(ex, "Could not advance batches; trying again");
                    active = null;
                }
                // null: another gateway holds the pass (or the store was away): look again shortly.
                if (active is null or > 0) await batches.Wake.WaitAsync(Tick, stoppingToken).ConfigureAwait(false);
                else if (locks.Shared) await batches.Wake.WaitAsync(SharedIdlePoll, stoppingToken).ConfigureAwait(false);
                else await batches.Wake.WaitAsync(stoppingToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested) { }
    }

    /// <summary>One pass over the active batches under the lock: how many there were, or null when another process holds it.</summary>
    async Task<int?> PassAsync(CancellationToken stoppingToken)
    {
        var held = await locks.TryAcquireAsync(LockName, stoppingToken).ConfigureAwait(false);
        if (held is null) return null;
        await using (held.ConfigureAwait(false))
        {
            var active = await batches.Store.ListActiveAsync(stoppingToken).ConfigureAwait(false);
            foreach (var batch in active)
            {
                try { await batches.AdvanceAsync(batch.Id, stoppingToken).ConfigureAwait(false); }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    logger.LogError(ex, "Batch {BatchId} could not advance", batch.Id);
                }
            }
            return active.Count;
        }
    }
}
