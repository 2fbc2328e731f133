namespace Media.Hosting;

/// <summary>What to do with jobs that were running when the process stopped without finishing them.</summary>
public enum RunningJobsOnRestart
{
    /// <summary>Put them back in the queue; they run again from the start.</summary>
    Requeue,
    /// <summary>Fail them with a reason that says the service restarted.</summary>
    Fail,
}

/// <summary>Queues, workers and request limits, bound from configuration section <c>Media:Jobs</c>.</summary>
public sealed class JobsOptions
{
    public const string Section = "Media:Jobs";

    /// <summary>Interactive jobs a family's queue holds; one more is answered 429.</summary>
    public int QueueCapacity { get; set; } = 64;

    /// <summary>Batch jobs a family's queue holds; a batch that does not fit is answered 429.</summary>
    public int BatchQueueCapacity { get; set; } = 10_000;

    /// <summary>The Retry-After a full queue answers with, in seconds.</summary>
    public int RetryAfterSeconds { get; set; } = 5;

    /// <summary>Jobs a family's worker runs at once, by family (image, audio, song); 1 when not named.</summary>
    public Dictionary<string, int> Concurrency { get; set; } = new(StringComparer.Ordinal);

    public RunningJobsOnRestart RunningJobsOnRestart { get; set; } = RunningJobsOnRestart.Requeue;

    /// <summary>Starts a job gets: one whose worker was lost this often (a job that crashes its worker, a lease that ran out) fails
    /// with "worker lost" instead of running again.</summary>
    public int MaxAttempts { get; set; } = 3;

    /// <summary>Seconds a worker holds a job without renewing it; a worker renews every third of it while the job runs.
    /// A lease that runs out (the worker died) hands the job to another worker.</summary>
    public int LeaseSeconds { get; set; } = 30;

    public TimeSpan Lease => TimeSpan.FromSeconds(LeaseSeconds);

    /// <summary>Largest accepted job request body, in bytes (413 above it).</summary>
    public int MaxRequestBytes { get; set; } = 1 << 20;

    /// <summary>Largest accepted batch input file, in bytes.</summary>
    public int MaxBatchBytes { get; set; } = 16 << 20;

    /// <summary>Most requests in one batch file.</summary>
    public int MaxBatchRequests { get; set; } = 10_000;

    /// <summary>Seconds without an event after which an SSE stream sends a <c>: heartbeat</c> comment (proxies close idle streams).</summary>
    public int HeartbeatSeconds { get; set; } = 15;

    public int ConcurrencyOf(string family) => Concurrency.TryGetValue(family, out int n) && n > 0 ? n : 1;
}
