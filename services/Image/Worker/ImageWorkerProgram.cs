using Media.Hosting.Workers;

namespace Media.Services.Image.Worker;

/// <summary>
/// `dotnet run --project services/Image`: the image family's worker process (scale-out). Same configuration keys as the
/// gateway; it needs Media:ScaleOut:Redis and :Postgres, takes only as many jobs as Media:Jobs:Concurrency:image allows,
/// and serves /healthz, /readyz and /metrics (ASPNETCORE_URLS; see docs/DEPLOYMENT.md).
/// </summary>
public static class ImageWorkerProgram
{
    public static void Main(string[] args) => WorkerHost.Build(args, builder => builder.AddImageService()).Run();
}
