using Media.Hosting.Models;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Media.Hosting.Health;

/// <summary>
/// Each model slot's state (its data: model id to state). Degraded, still ready, when a model failed to
/// load or the models folder does not exist (every model is then missing): the other routes still work,
/// and the description says which models cannot serve. Unhealthy only when no model slot is registered.
/// </summary>
public sealed class ModelCatalogHealthCheck(ModelCatalog catalog) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var models = catalog.List();
        var data = models.ToDictionary(m => m.Id, m => (object)m.State.ToString().ToLowerInvariant(), StringComparer.Ordinal);
        if (models.Count == 0) return Task.FromResult(HealthCheckResult.Unhealthy("no model slot is registered"));
        var failed = models.Where(m => m.State == ModelState.Failed).ToList();
        if (failed.Count > 0)
            return Task.FromResult(HealthCheckResult.Degraded(
                "failed to load: " + string.Join("; ", failed.Select(m => $"{m.Id} ({m.Reason})")), data: data));
        if (!Directory.Exists(catalog.ModelsDirectory))
            return Task.FromResult(HealthCheckResult.Degraded($"the models folder {catalog.ModelsDirectory} does not exist", data: data));
        int serving = models.Count(m => m.State is ModelState.Available or ModelState.Loaded);
        return Task.FromResult(HealthCheckResult.Healthy($"{serving} of {models.Count} models can serve", data));
    }
}
