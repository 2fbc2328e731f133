using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Media.Hosting.Models;

/// <summary>
/// Gateway role: keeps the catalog's view of the workers' announcements current (read at start, then every second), so
/// /api/models and submission checks answer from what the workers said, with no model loaded here.
/// </summary>
public sealed class ModelAnnouncementReader(ModelCatalog catalog, IModelAnnouncements announcements, TimeProvider time,
    IOptions<ScaleOutOptions> options, ILogger<ModelAnnouncementReader> logger) : BackgroundService
{
    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        await RefreshAsync(cancellationToken).ConfigureAwait(false);
        await base.StartAsync(cancellationToken).ConfigureAwait(false);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1), time);
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
        {
            try { await RefreshAsync(stoppingToken).ConfigureAwait(false); }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                logger.LogWarning(ex, "Could not read the workers' model announcements; keeping the last ones");
            }
        }
    }

    async Task RefreshAsync(CancellationToken cancellationToken)
    {
        var since = time.GetUtcNow() - TimeSpan.FromSeconds(options.Value.AnnouncementSeconds);
        catalog.Observe(await announcements.ReadAsync(since, cancellationToken).ConfigureAwait(false));
    }
}
