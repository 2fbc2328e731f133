namespace Media.Hosting.Contracts;

/// <summary>
/// What <c>Submit</c> on the <c>/hubs/media</c> hub takes: the same fields as <c>POST /api/jobs</c>.
/// Plain settable properties, so the JSON and MessagePack hub protocols both carry it.
/// </summary>
public sealed class HubJobRequest
{
    public string Kind { get; set; } = "";
    public string Model { get; set; } = "";
    /// <summary>The kind's parameters (prompt, width, seed, ...), as a map of plain values.</summary>
#pragma warning disable CA2227 // a wire type: the serializers fill it
    public Dictionary<string, object?> Parameters { get; set; } = [];
#pragma warning restore CA2227
    /// <summary>interactive (default) or batch.</summary>
    public string? Priority { get; set; }
    /// <summary>A retry with the same key returns the same job.</summary>
    public string? IdempotencyKey { get; set; }
}

/// <summary>A job as the hub reports it.</summary>
public sealed class HubJob
{
    public string Id { get; set; } = "";
    public string Kind { get; set; } = "";
    public string Model { get; set; } = "";
    /// <summary>queued, running, succeeded, failed or cancelled.</summary>
    public string Status { get; set; } = "";
    /// <summary>Jobs ahead of this one in its queue (0: next); null when it is not waiting.</summary>
    public int? QueuePosition { get; set; }
    public string? FailureReason { get; set; }
    /// <summary>Artifact ids; fetch each at <c>/api/artifacts/{id}</c>.</summary>
#pragma warning disable CA2227, CA1819 // a wire type
    public string[] Artifacts { get; set; } = [];
#pragma warning restore CA2227, CA1819
    public DateTimeOffset CreatedAt { get; set; }
}
