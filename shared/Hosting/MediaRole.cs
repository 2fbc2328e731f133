namespace Media.Hosting;

/// <summary>What one process of the service does (<c>Media:Role</c>).</summary>
public enum MediaRole
{
    /// <summary>The default: one process serves the API and runs every model family in-process.</summary>
    Embedded,
    /// <summary>Scale-out front: serves the API and relays events; loads no model (libtorch is never initialised). Workers run the jobs.</summary>
    Gateway,
    /// <summary>Scale-out worker of one model family (<c>dotnet run --project services/Image</c>): runs jobs, serves health and metrics only.</summary>
    Worker,
}
