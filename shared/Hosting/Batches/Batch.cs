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

/// <summary>A problem with the input file as a whole (no line) or one of its lines, and the field it concerns.</summary>
public sealed record BatchError(string Code, string Message, int? Line, string? Param = null);

/// <summary>The <c>/v1/files</c> ids of an OpenAI batch's input, output and error files.</summary>
public sealed record BatchFiles(string Input, string? Output = null, string? Error = null);

/// <summary>A set of jobs from one JSONL upload, and the files that report how each ended.</summary>
public sealed record Batch
{
    public required string Id { get; init; }
    public required string Owner { get; init; }
    public BatchStatus Status { get; init; }
    /// <summary>
    /// What every line asks for: <see cref="BatchService.JobsEndpoint"/> for <c>/api/batches</c> lines
    /// (<c>{custom_id, request}</c>), else the OpenAI route of <c>{custom_id, method, url, body}</c> lines (an <see cref="IBatchEndpoint"/>).
    /// </summary>
    // Batches stored before this field existed read as /api/jobs: the source-generated reader sets a missing init property to null.
    public string Endpoint { get => endpoint ?? BatchService.JobsEndpoint; init => endpoint = value; }
    readonly string? endpoint;
    /// <summary>The uploaded JSONL (an artifact).</summary>
    public required string InputFileId { get; init; }
    public string? OutputFileId { get; init; }
    public string? ErrorFileId { get; init; }
    /// <summary>For a batch created through <c>/v1/batches</c>: its files as <c>/v1/files</c> ids (the fields above are their artifacts).</summary>
    public BatchFiles? Files { get; init; }
    /// <summary>The caller's key/value pairs (OpenAI's <c>metadata</c>).</summary>
    public IReadOnlyDictionary<string, string>? Metadata { get; init; }
    /// <summary>The scheme, host and path base the batch was created through, for absolute artifact URLs in its output.</summary>
    public string? Origin { get; init; }
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

/// <summary>
/// A line refused before any of its jobs ran: its code and message, and for OpenAI lines the HTTP status,
/// error type and field the route would have answered with.
/// </summary>
public sealed record BatchRejectedLine(string CustomId, string? Code, string Message, int StatusCode = 400, string Type = "invalid_request_error", string? Param = null);
