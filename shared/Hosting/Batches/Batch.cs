namespace Media.Hosting.Batches;

/// <summary>The statuses of OpenAI's Batch API, with the same meanings.</summary>
public enum BatchStatus
{
    /// <summary>The input file is being checked and its jobs created.</summary>
    Validating,
    /// <summary>The input file is unusable; see the batch's errors.</summary>
    Failed,
    InProgress,
    /// <summary>Every job ended; the output and error files are being written.</summary>
    Finalizing,
    Completed,
    /// <summary>The completion window passed first; unfinished jobs were cancelled.</summary>
    Expired,
    Cancelling,
    Cancelled,
}

public sealed record BatchRequestCounts(int Total, int Completed, int Failed);

/// <summary>A problem with the input file as a whole (line 0) or one of its lines.</summary>
public sealed record BatchError(string Code, string Message, int? Line);

/// <summary>A set of jobs from one JSONL upload, and the files that report how each ended.</summary>
public sealed record Batch
{
    public required string Id { get; init; }
    public required string Owner { get; init; }
    public BatchStatus Status { get; init; }
    /// <summary>The uploaded JSONL (an artifact).</summary>
    public required string InputFileId { get; init; }
    public string? OutputFileId { get; init; }
    public string? ErrorFileId { get; init; }
    public string CompletionWindow { get; init; } = "24h";
    public BatchRequestCounts RequestCounts { get; init; } = new(0, 0, 0);
    public IReadOnlyList<BatchError> Errors { get; init; } = [];
    /// <summary>Lines refused at validation (custom_id, error), reported in the error file.</summary>
    public IReadOnlyList<BatchRejectedLine> Rejected { get; init; } = [];
    public DateTimeOffset CreatedAt { get; init; }
    public DateTimeOffset ExpiresAt { get; init; }
    public DateTimeOffset? InProgressAt { get; init; }
    public DateTimeOffset? FinalizingAt { get; init; }
    public DateTimeOffset? CompletedAt { get; init; }
    public DateTimeOffset? FailedAt { get; init; }
    public DateTimeOffset? ExpiredAt { get; init; }
    public DateTimeOffset? CancellingAt { get; init; }
    public DateTimeOffset? CancelledAt { get; init; }

    public bool IsFinished => Status is BatchStatus.Completed or BatchStatus.Failed or BatchStatus.Expired or BatchStatus.Cancelled;

    public static string NewId() => "batch_" + Guid.CreateVersion7().ToString("N");
}

public sealed record BatchRejectedLine(string CustomId, string Code, string Message);
