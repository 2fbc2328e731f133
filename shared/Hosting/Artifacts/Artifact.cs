namespace Media.Hosting.Artifacts;

/// <summary>
/// A stored file. <see cref="Id"/> is the lowercase hex sha256 of its bytes, so equal content is
/// stored once and an id always names the same bytes.
/// </summary>
public sealed record Artifact(string Id, string ContentType, long Length, DateTimeOffset CreatedAt, string? JobId, string? Name,
    IReadOnlyDictionary<string, string> Metadata);

/// <summary>What to store beside the bytes: the content type, the job it came from, a file name and key/value metadata.</summary>
public sealed record ArtifactInfo(string ContentType, string? JobId = null, string? Name = null, IReadOnlyDictionary<string, string>? Metadata = null);
