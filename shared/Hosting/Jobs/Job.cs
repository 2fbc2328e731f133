using System.Text.Json;

namespace Media.Hosting.Jobs;

/// <summary>One unit of generation work, from submission to its artifacts.</summary>
public sealed record Job
{
    public required string Id { get; init; }
    /// <summary>image, speech, song, audio-encode, audio-decode (<see cref="JobKinds"/>).</summary>
    public required string Kind { get; init; }
    public required string Model { get; init; }
    /// <summary>The service family whose queue and worker run the job.</summary>
    public required string Family { get; init; }
    /// <summary>The validated request parameters (a JSON object).</summary>
    public required JsonElement Parameters { get; init; }
    public required string Owner { get; init; }
    public JobPriority Priority { get; init; }
    public JobStatus Status { get; init; }
    public DateTimeOffset CreatedAt { get; init; }
    public DateTimeOffset UpdatedAt { get; init; }
    public DateTimeOffset? StartedAt { get; init; }
    public DateTimeOffset? FinishedAt { get; init; }
    /// <summary>Artifact ids (sha256 of the content) in the order the generator returned them.</summary>
    public IReadOnlyList<string> Artifacts { get; init; } = [];
    public string? FailureReason { get; init; }
    public string? IdempotencyKey { get; init; }
    /// <summary>Hash of kind, model and parameters: a retried Idempotency-Key must carry the same request.</summary>
    public string? RequestHash { get; init; }
    public string? BatchId { get; init; }
    public string? CustomId { get; init; }
    /// <summary>How often a worker started the job (a job interrupted by a restart runs again, up to Media:Jobs:MaxAttempts).</summary>
    public int Attempts { get; init; }
    /// <summary>A cancel was asked for while the job ran; persisted so a restart cancels the job instead of running it again.</summary>
    public bool CancelRequested { get; init; }

    public static string NewId() => "job_" + Guid.CreateVersion7().ToString("N");
}
