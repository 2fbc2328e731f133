using Media.Hosting.Health;
using Media.Hosting.Queues;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace Media.Gateway.Apis;

/// <summary>
/// ASP.NET Core health checks. <c>/healthz</c> (liveness) runs no check: the process answers.
/// <c>/readyz</c> (readiness) runs every check tagged <see cref="HealthTags.Ready"/> (restart recovery and
/// the job store, the model catalog, and whatever a store added later registers) and adds the queue depths.
/// </summary>
internal static class HealthApi
{
    public static IEndpointRouteBuilder MapHealthApi(this IEndpointRouteBuilder app)
    {
        app.MapHealthChecks("/healthz", new HealthCheckOptions { Predicate = _ => false, ResponseWriter = WriteLiveAsync })
            .WithName("Health").WithTags("Health").WithDisplayName("Liveness");
        app.MapHealthChecks("/readyz", new HealthCheckOptions { Predicate = c => c.Tags.Contains(HealthTags.Ready), ResponseWriter = WriteReadyAsync })
            .WithName("Ready").WithTags("Health").WithDisplayName("Readiness");
        return app;
    }

    static Task WriteLiveAsync(HttpContext context, HealthReport report) =>
        context.Response.WriteAsJsonAsync(new HealthResponse(Name(report.Status)), Json(context), context.RequestAborted);

    static async Task WriteReadyAsync(HttpContext context, HealthReport report)
    {
        var queues = context.RequestServices.GetRequiredService<IJobQueues>();
        var checks = report.Entries.ToDictionary(e => e.Key, e => new CheckResult(
            Name(e.Value.Status), e.Value.Description, Math.Round(e.Value.Duration.TotalMilliseconds, 1),
            e.Value.Data.Count > 0 ? e.Value.Data : null), StringComparer.Ordinal);
        var depths = new List<QueueDepth>();
        foreach (var queue in queues.All) depths.Add(new QueueDepth(queue.Family, await queue.CountAsync(context.RequestAborted)));
        var response = new ReadyResponse(Name(report.Status), checks, depths);
        await context.Response.WriteAsJsonAsync(response, Json(context), context.RequestAborted);
    }

    static System.Text.Json.JsonSerializerOptions Json(HttpContext context) =>
        context.RequestServices.GetRequiredService<IOptions<JsonOptions>>().Value.SerializerOptions;

    static string Name(HealthStatus status) => status.ToString().ToLowerInvariant();

    internal sealed record HealthResponse(string Status);

    internal sealed record CheckResult(string Status, string? Description, double DurationMs, IReadOnlyDictionary<string, object>? Data);

    internal sealed record QueueDepth(string Family, int Depth);

    internal sealed record ReadyResponse(string Status, IReadOnlyDictionary<string, CheckResult> Checks, IReadOnlyList<QueueDepth> Queues);
}
