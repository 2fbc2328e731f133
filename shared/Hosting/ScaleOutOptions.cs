namespace Media.Hosting;

/// <summary>
/// The shared engines of the scale-out mode, bound from <c>Media:ScaleOut</c>. Empty (the default): the embedded
/// engines, SQLite under the data folder and in-process queues, event stream and cancellation, and no server is needed.
/// </summary>
public sealed class ScaleOutOptions
{
    public const string Section = "Media:ScaleOut";

    /// <summary>StackExchange.Redis configuration (<c>host:port,abortConnect=false</c>): queues (streams per family, consumer
    /// groups), job event streams, cancellation messages and the workers' model announcements.</summary>
    public string? Redis { get; set; }

    /// <summary>Npgsql connection string: jobs, their event logs, batches and artifact references.</summary>
    public string? Postgres { get; set; }

    /// <summary>Prefix of every Redis key, so several deployments can share one server.</summary>
    public string KeyPrefix { get; set; } = "media";

    /// <summary>Events kept per job stream in Redis (XADD MAXLEN ~); older ones are read from the job store.</summary>
    public int EventStreamLength { get; set; } = 1000;

    /// <summary>Seconds a worker's model announcement stays valid; workers announce every third of it.</summary>
    public int AnnouncementSeconds { get; set; } = 15;
}
