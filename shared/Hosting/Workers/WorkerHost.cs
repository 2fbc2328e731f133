using Media.Hosting.Health;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using OpenTelemetry.Metrics;

namespace Media.Hosting.Workers;

/// <summary>
/// The process of one model family's worker (<c>dotnet run --project services/Image</c>): the worker role (jobs from Redis,
/// state in PostgreSQL, models announced), the family's registrations, and a small web server for probes and scraping —
/// <c>/healthz</c> (the process answers), <c>/readyz</c> (the ready-tagged checks: stores reachable, models) and
/// <c>/metrics</c> (Prometheus). Stopping (SIGTERM) stops taking jobs and hands the running ones back to the queue.
/// </summary>
public static class WorkerHost
{
    public static WebApplication Build(string[] args, Action<IHostApplicationBuilder> addFamily)
    {
        ArgumentNullException.ThrowIfNull(addFamily);
        var builder = WebApplication.CreateBuilder(args);
        // The worker role unless configuration says otherwise (an embedded worker process is a test convenience only).
        builder.Configuration.AddInMemoryCollection([new($"{MediaOptions.Section}:{nameof(MediaOptions.Role)}", builder.Configuration["Media:Role"] ?? "worker")]);
        builder.AddMediaHosting();
        addFamily(builder);
        builder.Services.AddOpenTelemetry().WithMetrics(metrics => metrics
            .AddMeter(Telemetry.JobMetrics.MeterName)
            .AddPrometheusExporter());
        // Time for running jobs to be handed back before the process ends.
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(30));
        var app = builder.Build();
        app.MapHealthChecks("/healthz", new HealthCheckOptions { Predicate = _ => false });
        app.MapHealthChecks("/readyz", new HealthCheckOptions { Predicate = c => c.Tags.Contains(HealthTags.Ready) });
        app.MapPrometheusScrapingEndpoint("/metrics");
        return app;
    }
}
