using Media.Hosting.Workers;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Media.Hosting.Models;

/// <summary>
/// Worker role: announces the state of every model this process has a generator for, at start, every third of
/// <c>Media:ScaleOut:AnnouncementSeconds</c>, and withdraws them at shutdown, so gateways stop sending work here at once.
/// </summary>
public sealed class ModelAnnouncer(ModelCatalog catalog, IModelAnnouncements announcements, WorkerIdentity identity, TimeProvider time,
    IOptions<ScaleOutOptions> options, ILogger<ModelAnnouncer> logger) : BackgroundService
{
    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        await AnnounceAsync(cancellationToken).ConfigureAwait(false);
        await base.StartAsync(cancellationToken).ConfigureAwait(false);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(Math.Max(1, options.Value.AnnouncementSeconds) / 3.0), time);
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
        {
            try { await AnnounceAsync(stoppingToken).ConfigureAwait(false); }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                logger.LogWarning(ex, "Could not announce this worker's models; trying again");
            }
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken).ConfigureAwait(false);
        try { await announcements.WithdrawAsync(identity.Name, cancellationToken).ConfigureAwait(false); }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            logger.LogWarning(ex, "Could not withdraw this worker's models; they expire by themselves");
        }
    }

    ValueTask AnnounceAsync(CancellationToken cancellationToken) =>
        announcements.AnnounceAsync(catalog.Announcements(identity.Name, time.GetUtcNow()), cancellationToken);
}
