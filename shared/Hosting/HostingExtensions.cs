using Media.Hosting.Artifacts;
using Media.Hosting.Batches;
using Media.Hosting.Coordination;
using Media.Hosting.Events;
using Media.Hosting.Files;
using Media.Hosting.Health;
using Media.Hosting.Jobs;
using Media.Hosting.Keys;
using Media.Hosting.Models;
using Media.Hosting.Queues;
using Media.Hosting.Retention;
using Media.Hosting.Storage;
using Media.Hosting.Telemetry;
using Media.Hosting.Workers;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Media.Hosting;

public static class HostingExtensions
{
    /// <summary>
    /// Options, the data folder, the model catalog and the job machinery shared by the gateway and the workers. The engines
    /// come from configuration: by default (embedded) the SQLite job store (<c>media.db</c>) and artifact files under the data
    /// folder, in-process queues, event stream and cancellation; with <c>Media:ScaleOut:Postgres</c> and <c>:Redis</c> the shared
    /// ones (see <see cref="ScaleOutExtensions"/>). Then restart recovery, API keys, the retention sweeper and the readiness checks.
    /// </summary>
    public static IHostApplicationBuilder AddMediaHosting(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var services = builder.Services;
        services.AddOptions<MediaOptions>().BindConfiguration(MediaOptions.Section);
        services.AddOptions<ScaleOutOptions>().BindConfiguration(ScaleOutOptions.Section)
            .Validate(o => o.EventStreamLength >= 16 && o.AnnouncementSeconds >= 3, "Media:ScaleOut:EventStreamLength must be at least 16 and AnnouncementSeconds at least 3")
            .ValidateOnStart();
        services.AddOptions<JobsOptions>().BindConfiguration(JobsOptions.Section)
            .Validate(o => o.QueueCapacity >= 1 && o.BatchQueueCapacity >= 1, "Media:Jobs queue capacities must be at least 1")
            .Validate(o => o.RetryAfterSeconds >= 1, "Media:Jobs:RetryAfterSeconds must be at least 1")
            .Validate(o => o.MaxAttempts >= 1, "Media:Jobs:MaxAttempts must be at least 1")
            .Validate(o => o.LeaseSeconds >= 1, "Media:Jobs:LeaseSeconds must be at least 1")
            .Validate(o => o.HeartbeatSeconds >= 1, "Media:Jobs:HeartbeatSeconds must be at least 1")
            .Validate(o => o.MaxRequestBytes >= 1024 && o.MaxBatchBytes >= 1024 && o.MaxBatchRequests >= 1, "Media:Jobs request limits are too small")
            .ValidateOnStart();
        services.AddSingleton<ModelCatalog>();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<WorkerIdentity>();
        services.AddMetrics();

        var role = builder.Role();
        builder.AddScaleOutEngines(role);
        services.TryAddSingleton(sp => new SqliteDatabase(Path.Combine(sp.GetRequiredService<IOptions<MediaOptions>>().Value.ResolveDataDirectory(), "media.db")));
        services.TryAddSingleton<IJobStore, SqliteJobStore>();
        services.TryAddSingleton<IJobEventStream, InProcessJobEventStream>();
        services.TryAddSingleton<IJobQueues, InProcessJobQueues>();
        services.TryAddSingleton<IJobCancellations, InProcessJobCancellations>();
        services.TryAddSingleton<IModelAnnouncements, InProcessModelAnnouncements>();
        services.TryAddSingleton<IExclusiveLocks, InProcessExclusiveLocks>();
        services.TryAddSingleton<IArtifactStore>(sp => new FileArtifactStore(
            sp.GetRequiredService<IOptions<MediaOptions>>().Value.ResolveArtifactsDirectory(), sp.GetRequiredService<TimeProvider>()));
        services.TryAddSingleton<GeneratorProvider>();
        services.TryAddSingleton<JobMetrics>();
        services.TryAddSingleton<JobKindRegistry>();
        services.TryAddSingleton<JobService>();
        services.TryAddSingleton<JobRecovery>();
        services.AddHostedService(sp => sp.GetRequiredService<JobRecovery>());
        services.TryAddSingleton<IBatchStore, SqliteBatchStore>();
        services.TryAddSingleton<IFileStore, SqliteFileStore>();
        services.TryAddSingleton<BatchService>();
        services.TryAddSingleton<IArtifactReferences, SqliteArtifactReferences>();
        services.TryAddSingleton<IApiKeyStore, SqliteApiKeyStore>();
        services.TryAddSingleton<ApiKeyService>();
        services.AddOptions<RetentionOptions>().BindConfiguration(RetentionOptions.Section)
            .Validate(o => o.SweepInterval > TimeSpan.Zero && o.ArtifactGrace >= TimeSpan.Zero, "Media:Retention:SweepInterval must be positive and ArtifactGrace not negative")
            .ValidateOnStart();
        services.TryAddSingleton<RetentionSweeper>();
        // Batches advance and old work is swept where the API is served; a worker process only runs jobs.
        if (role != MediaRole.Worker)
        {
            services.AddHostedService<BatchRunner>();
            services.AddHostedService(sp => sp.GetRequiredService<RetentionSweeper>());
        }
        // The gateway role knows models only from the workers' announcements; a worker makes them.
        if (role == MediaRole.Gateway) services.AddHostedService<ModelAnnouncementReader>();
        if (role == MediaRole.Worker) services.AddHostedService<ModelAnnouncer>();
        // Readiness (/readyz runs the checks tagged ready); another store registers its own check beside these.
        services.AddHealthChecks()
            .AddCheck<JobStoreHealthCheck>("job-store", tags: [HealthTags.Ready])
            .AddCheck<ModelCatalogHealthCheck>("model-catalog", tags: [HealthTags.Ready]);
        return builder;
    }

    /// <summary>This process's role, from <c>Media:Role</c> (embedded when not set).</summary>
    public static MediaRole Role(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        string? text = builder.Configuration[$"{MediaOptions.Section}:{nameof(MediaOptions.Role)}"];
        if (string.IsNullOrWhiteSpace(text)) return MediaRole.Embedded;
        return Enum.TryParse<MediaRole>(text, ignoreCase: true, out var role) && Enum.IsDefined(role)
            ? role
            : throw new InvalidOperationException($"Media:Role must be embedded, gateway or worker; got '{text}'.");
    }

    /// <summary>
    /// Whether this process runs models (embedded or worker role): a service registers its generators, its family worker
    /// and the Torch options only then, so a gateway never loads a model nor initialises libtorch.
    /// </summary>
    public static bool RunsModels(this IHostApplicationBuilder builder) => builder.Role() != MediaRole.Gateway;

    /// <summary>
    /// Declares a job kind and its parameters (a service registers the kinds it runs; Hosting validates every job against
    /// its kind's declaration and shows it as JSON Schema in the OpenAPI document). A kind name registered twice fails the start.
    /// </summary>
    public static IServiceCollection AddJobKind(this IServiceCollection services, JobKind kind)
    {
        ArgumentNullException.ThrowIfNull(kind);
        return services.AddSingleton(kind);
    }

    /// <summary>Registers a model slot a service family can serve.</summary>
    public static IServiceCollection AddModelSlot(this IServiceCollection services, ModelSlot slot) =>
        services.AddSingleton(slot);

    /// <summary>
    /// Registers the generator of a model slot; <paramref name="factory"/> runs on the model's first job
    /// (lazy loading). This is the one way generators join the service, real ones and tests' alike.
    /// </summary>
    public static IServiceCollection AddGenerator(this IServiceCollection services, string modelId,
        Func<IServiceProvider, CancellationToken, ValueTask<IGenerator>> factory)
    {
        ArgumentException.ThrowIfNullOrEmpty(modelId);
        ArgumentNullException.ThrowIfNull(factory);
        return services.AddSingleton(new GeneratorRegistration(modelId, factory));
    }

    /// <summary>The synchronous form of <see cref="AddGenerator(IServiceCollection, string, Func{IServiceProvider, CancellationToken, ValueTask{IGenerator}})"/>.</summary>
    public static IServiceCollection AddGenerator(this IServiceCollection services, string modelId, Func<IServiceProvider, IGenerator> factory)
    {
        ArgumentNullException.ThrowIfNull(factory);
        return services.AddGenerator(modelId, (sp, _) => ValueTask.FromResult(factory(sp)));
    }

    /// <summary>
    /// Declares a model's own limits: shown in /api/models and checked at submission after the kind's schema, so a job the
    /// model cannot do is a 400 naming the field and the limit, not a failed job (see <see cref="ModelLimits"/>).
    /// </summary>
    public static IServiceCollection AddModelLimits(this IServiceCollection services, string modelId, Func<ModelStatus, System.Text.Json.Nodes.JsonObject?> describe,
        Func<ModelStatus, System.Text.Json.JsonElement, IReadOnlyDictionary<string, string[]>> check)
    {
        ArgumentException.ThrowIfNullOrEmpty(modelId);
        ArgumentNullException.ThrowIfNull(describe);
        ArgumentNullException.ThrowIfNull(check);
        return services.AddSingleton(new ModelLimits(modelId, describe, check));
    }

    /// <summary>Runs the worker of a model family in this process (once per family, however often it is called).</summary>
    public static IServiceCollection AddFamilyWorker(this IServiceCollection services, string family)
    {
        ArgumentException.ThrowIfNullOrEmpty(family);
        var marker = new FamilyWorkerMarker(family);
        if (services.Any(d => d.ServiceType == typeof(FamilyWorkerMarker) && Equals(d.ImplementationInstance, marker))) return services;
        services.AddSingleton(marker);
        services.AddSingleton<IHostedService>(sp => ActivatorUtilities.CreateInstance<FamilyWorker>(sp, family));
        return services;
    }

    sealed record FamilyWorkerMarker(string Family);
}
