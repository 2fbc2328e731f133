using Media.Hosting.Workers;

namespace Media.Services.Audio.Worker;

/// <summary>
/// `dotnet run --project services/Audio`: the audio family's worker process (scale-out). Same configuration keys as the
/// gateway; it needs Media:ScaleOut:Redis and :Postgres, takes only as many jobs as Media:Jobs:Concurrency:audio allows,
/// and serves /healthz, /readyz and /metrics (ASPNETCORE_URLS; see docs/DEPLOYMENT.md).
/// </summary>
public static class AudioWorkerProgram
{
    public static void Main(string[] args) => WorkerHost.Build(args, builder => builder.AddAudioService()).Run();
}
