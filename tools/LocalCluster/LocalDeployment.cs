using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;

namespace Media.LocalCluster;

/// <summary>How a <see cref="LocalDeployment"/>'s processes are configured (each setting is the service's own key).</summary>
public sealed record DeploymentSettings
{
    /// <summary>Media:Jobs:LeaseSeconds: how soon a killed worker's job goes to another.</summary>
    public int LeaseSeconds { get; init; } = 30;
    /// <summary>Media:Jobs:MaxAttempts.</summary>
    public int MaxAttempts { get; init; } = 3;
    /// <summary>Media:Jobs:Concurrency:image of each image worker.</summary>
    public int WorkerConcurrency { get; init; } = 1;
    /// <summary>Media:Torch:Threads of each worker (one libtorch thread per worker by default).</summary>
    public int TorchThreads { get; init; } = 1;
    /// <summary>Media:Jobs:QueueCapacity and the per-caller job quotas of each gateway.</summary>
    public int QueueCapacity { get; init; } = 64;
    /// <summary>Media:ScaleOut:AnnouncementSeconds: how soon a gateway sees a worker's models (and forgets a dead one's).</summary>
    public int AnnouncementSeconds { get; init; } = 3;
    /// <summary>Minimum log level of every process (their output is kept for failure messages).</summary>
    public string LogLevel { get; init; } = "Warning";
    /// <summary>How long a process may take to answer /healthz after it starts.</summary>
    public TimeSpan StartTimeout { get; init; } = TimeSpan.FromMinutes(3);
}

/// <summary>
/// A scale-out deployment on this machine (docs/DEPLOYMENT.md), from the built programs: a new PostgreSQL database and a
/// Redis key prefix of its own on <see cref="LocalServerProcesses"/>, one shared artifacts folder, gateways
/// (<c>--Media:Role=gateway</c>) and image workers (<c>services/Image</c>) as child processes on free loopback ports,
/// serving the committed models. Disposing kills every process and deletes the folders.
/// </summary>
public sealed class LocalDeployment : IAsyncDisposable
{
    readonly DeploymentSettings settings;
    readonly List<ClusterProcess> processes = [];
    int gateways, workers;

    LocalDeployment(DeploymentSettings settings, string postgres, string redis)
    {
        (this.settings, Postgres, Redis) = (settings, postgres, redis);
        Root = Directory.CreateTempSubdirectory("media-deployment-").FullName;
        KeyPrefix = "m" + Guid.NewGuid().ToString("N")[..8];
    }

    public string Root { get; }
    public string Postgres { get; }
    /// <summary>The Redis configuration string (the key prefix is a setting of its own: <see cref="KeyPrefix"/>).</summary>
    public string Redis { get; }
    public string KeyPrefix { get; }
    public string ArtifactsDirectory => Path.Combine(Root, "artifacts");

    /// <summary>Every process started so far, live or killed.</summary>
    public IReadOnlyList<ClusterProcess> Processes => processes;

    /// <summary>CPU time of every process started so far.</summary>
    public TimeSpan CpuTime => processes.Aggregate(TimeSpan.Zero, (sum, p) => sum + p.CpuTime);

    /// <summary>The last lines of every process's output, for a failure's message.</summary>
    public string Output => string.Join("\n", processes.Select(p => $"--- {p.Name} (pid {p.ProcessId}{(p.HasExited ? ", exited" : "")})\n{p.Output}"));

    public static async Task<LocalDeployment> CreateAsync(LocalServerProcesses servers, DeploymentSettings? settings = null)
    {
        ArgumentNullException.ThrowIfNull(servers);
        string redis = await servers.RedisAsync().ConfigureAwait(false);
        string postgres = await servers.NewPostgresDatabaseAsync().ConfigureAwait(false);
        return new LocalDeployment(settings ?? new DeploymentSettings(), postgres, redis);
    }

    /// <summary>Starts a gateway (role gateway) and waits until it is healthy.</summary>
    public Task<ClusterProcess> StartGatewayAsync(CancellationToken cancellationToken)
    {
        string name = $"gateway-{Interlocked.Increment(ref gateways)}";
        return StartAsync(name, BuiltPrograms.Gateway, [
            "--Media:Role=gateway",
            Setting("Media:Jobs:QueueCapacity", settings.QueueCapacity),
            Setting("Media:Keys:MaxQueuedJobs", settings.QueueCapacity),
            Setting("Media:Keys:MaxActiveJobs", settings.QueueCapacity),
            Setting("Media:Keys:RequestsPerMinute", 100_000),
        ], cancellationToken);
    }

    /// <summary>Starts an image worker (<c>services/Image</c>, role worker) and waits until it is healthy.</summary>
    public Task<ClusterProcess> StartImageWorkerAsync(CancellationToken cancellationToken)
    {
        string name = $"image-worker-{Interlocked.Increment(ref workers)}";
        return StartAsync(name, BuiltPrograms.ImageWorker, [
            Setting("Media:Jobs:Concurrency:image", settings.WorkerConcurrency),
            Setting("Media:Torch:Threads", settings.TorchThreads),
        ], cancellationToken);
    }

    async Task<ClusterProcess> StartAsync(string name, string program, string[] args, CancellationToken cancellationToken)
    {
        string data = Directory.CreateDirectory(Path.Combine(Root, name)).FullName;
        var process = ClusterProcess.Start(name, program, LocalServerProcesses.FreePort(), [
            .. args,
            $"--Media:DataDirectory={data}",
            $"--Media:ModelsDirectory={BuiltPrograms.Models}",
            $"--Media:ArtifactsDirectory={ArtifactsDirectory}",
            $"--Media:ScaleOut:Postgres={Postgres}",
            $"--Media:ScaleOut:Redis={Redis}",
            $"--Media:ScaleOut:KeyPrefix={KeyPrefix}",
            Setting("Media:ScaleOut:AnnouncementSeconds", settings.AnnouncementSeconds),
            Setting("Media:Jobs:LeaseSeconds", settings.LeaseSeconds),
            Setting("Media:Jobs:MaxAttempts", settings.MaxAttempts),
            $"--Logging:LogLevel:Default={settings.LogLevel}",
            $"--Logging:LogLevel:Microsoft.AspNetCore={settings.LogLevel}",
        ]);
        lock (processes) processes.Add(process);
        await process.WaitHealthyAsync(settings.StartTimeout, cancellationToken).ConfigureAwait(false);
        return process;
    }

    static string Setting(string key, int value) => string.Create(CultureInfo.InvariantCulture, $"--{key}={value}");

    /// <summary>
    /// Waits until <paramref name="gateway"/> lists <paramref name="model"/> as ready from a worker's announcement (a job for it
    /// is accepted, not refused with 409).
    /// </summary>
    public async Task WaitForModelAsync(ClusterProcess gateway, string model, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(gateway);
        using var client = new HttpClient { BaseAddress = gateway.Address, Timeout = TimeSpan.FromSeconds(10) };
        var deadline = DateTimeOffset.UtcNow + settings.StartTimeout;
        string? last = null;
        while (DateTimeOffset.UtcNow < deadline)
        {
            try
            {
                var status = await client.GetFromJsonAsync<JsonElement>(new Uri($"/api/models/{model}", UriKind.Relative), cancellationToken).ConfigureAwait(false);
                last = status.TryGetProperty("state", out var state) ? state.GetString() : status.GetRawText();
                if (last is not null && (last.Equals("available", StringComparison.OrdinalIgnoreCase) || last.Equals("loaded", StringComparison.OrdinalIgnoreCase)))
                    return;
            }
            catch (HttpRequestException) { }
            await Task.Delay(250, cancellationToken).ConfigureAwait(false);
        }
        throw new TimeoutException($"{gateway.Name} does not list {model} as ready (last state: {last ?? "no answer"}):\n{Output}");
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var process in processes) await process.DisposeAsync().ConfigureAwait(false);
        try { Directory.Delete(Root, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
