using System.Text.Json;

namespace Media.Hosting.Jobs;

/// <summary>A request for a job, before it is checked against the model catalog and queued.</summary>
public sealed record JobSubmission(string Kind, string Model, JsonElement Parameters, JobPriority Priority = JobPriority.Interactive)
{
    public string Owner { get; init; } = "anonymous";
    public string? IdempotencyKey { get; init; }
    public string? BatchId { get; init; }
    public string? CustomId { get; init; }
    /// <summary>The owner's limits on unfinished jobs, checked before the job is stored; null: none (batch jobs, the loopback user).</summary>
    public JobQuota? Quota { get; init; }
}

/// <summary>
/// Per-owner limits on interactive jobs: <paramref name="MaxActive"/> queued or running at once,
/// <paramref name="MaxQueued"/> of them still waiting. A submission over either is refused (429, QuotaExceeded).
/// </summary>
public sealed record JobQuota(int MaxActive, int MaxQueued);

/// <summary>The job a submission produced, and whether it is new (false: an Idempotency-Key retry).</summary>
public sealed record SubmitResult(Job Job, bool Created);
