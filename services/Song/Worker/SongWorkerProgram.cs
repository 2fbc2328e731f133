using Media.Hosting.Workers;

namespace Media.Services.Song.Worker;

/// <summary>
/// `dotnet run --project services/Song`: the song family's worker process (scale-out). Same configuration keys as the
/// gateway; it needs Media:ScaleOut:Redis and :Postgres, takes only as many jobs as Media:Jobs:Concurrency:song allows,
/// and serves /healthz, /readyz and /metrics (ASPNETCORE_URLS; see docs/DEPLOYMENT.md).
/// </summary>
public static class SongWorkerProgram
{
    public static void Main(string[] args) => WorkerHost.Build(args, builder => builder.AddSongService()).Run();
}
