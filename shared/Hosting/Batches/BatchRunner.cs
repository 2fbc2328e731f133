using Media.Hosting.Workers;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Media.Hosting.Batches;

/// <summary>
/// Moves active batches forward: woken by a new or cancelled batch, and every quarter second while
/// any is in progress (it counts their jobs). After a restart it picks up where the store says each
/// batch is.
/// </summary>
public sealed class BatchRunner(BatchService batches, JobRecovery recovery, ILogger<BatchRunner> logger) : BackgroundService
{
    static readonly TimeSpan Tick = TimeSpan.FromMilliseconds(250);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await recovery.Completed.WaitAsync(stoppingToken).ConfigureAwait(false);
            while (!stoppingToken.IsCancellationRequested)
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
                if (active.Count > 0) await batches.Wake.WaitAsync(Tick, stoppingToken).ConfigureAwait(false);
                else await batches.Wake.WaitAsync(stoppingToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested) { }
    }
}
