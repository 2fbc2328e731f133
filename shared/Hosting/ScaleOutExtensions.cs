using Media.Hosting.Artifacts;
using Media.Hosting.Batches;
using Media.Hosting.Coordination;
using Media.Hosting.Events;
using Media.Hosting.Files;
using Media.Hosting.Jobs;
using Media.Hosting.Keys;
using Media.Hosting.Models;
using Media.Hosting.Postgres;
using Media.Hosting.Queues;
using Media.Hosting.Redis;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using StackExchange.Redis;

namespace Media.Hosting;

/// <summary>
/// Chooses the shared engines of the scale-out mode from <c>Media:ScaleOut</c> (see <see cref="ScaleOutOptions"/>):
/// <c>Postgres</c> set — jobs, events, batches, artifact references, OpenAI file records, API keys and the housekeeping
/// locks (batch runner, retention) in PostgreSQL; <c>Redis</c> set — queues, event
/// streams, cancellation and model announcements in Redis. Neither set: nothing is registered here and the embedded
/// engines (SQLite, in-process) follow. The gateway and worker roles need both.
/// </summary>
public static class ScaleOutExtensions
{
    internal static void AddScaleOutEngines(this IHostApplicationBuilder builder, MediaRole role)
    {
        var options = builder.Configuration.GetSection(ScaleOutOptions.Section).Get<ScaleOutOptions>() ?? new ScaleOutOptions();
        if (role != MediaRole.Embedded && (string.IsNullOrWhiteSpace(options.Redis) || string.IsNullOrWhiteSpace(options.Postgres)))
            throw new InvalidOperationException(
                $"Media:Role={role.ToString().ToLowerInvariant()} shares its jobs with other processes: set Media:ScaleOut:Redis and Media:ScaleOut:Postgres (see docs/DEPLOYMENT.md).");
        var services = builder.Services;
        if (!string.IsNullOrWhiteSpace(options.Postgres))
        {
            services.TryAddSingleton(new PostgresDatabase(options.Postgres));
            services.TryAddSingleton<IJobStore, PostgresJobStore>();
            services.TryAddSingleton<IBatchStore, PostgresBatchStore>();
            services.TryAddSingleton<IArtifactReferences, PostgresArtifactReferences>();
            services.TryAddSingleton<IFileStore, PostgresFileStore>();
            services.TryAddSingleton<IApiKeyStore, PostgresApiKeyStore>();
            services.TryAddSingleton<IExclusiveLocks, PostgresExclusiveLocks>();
        }
        if (!string.IsNullOrWhiteSpace(options.Redis))
        {
            var configuration = ConfigurationOptions.Parse(options.Redis);
            // Reconnect rather than fail when Redis restarts; the queue and event calls retry on their own.
            configuration.AbortOnConnectFail = false;
            services.TryAddSingleton<IConnectionMultiplexer>(_ => ConnectionMultiplexer.Connect(configuration));
            services.TryAddSingleton<IJobQueues, RedisJobQueues>();
            services.TryAddSingleton<IJobEventStream, RedisJobEventStream>();
            services.TryAddSingleton<IJobCancellations, RedisJobCancellations>();
            services.TryAddSingleton<IModelAnnouncements, RedisModelAnnouncements>();
        }
    }
}
