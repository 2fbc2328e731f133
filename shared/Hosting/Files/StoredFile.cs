namespace Media.Hosting.Files;

/// <summary>
/// An uploaded or produced file as OpenAI's Files API names it (<c>file-…</c>), over an artifact: the
/// bytes live in the artifact store (content-addressed), the record gives them a purpose, a name and an
/// owner. Deleting the record leaves the artifact, which other files or jobs may share.
/// </summary>
public sealed record StoredFile
{
    public required string Id { get; init; }
    public required string Owner { get; init; }
    /// <summary><see cref="FilePurposes.Batch"/> for uploads, <see cref="FilePurposes.BatchOutput"/> for a batch's output and error files.</summary>
    public required string Purpose { get; init; }
    public required string Filename { get; init; }
    /// <summary>The artifact holding the bytes.</summary>
    public required string ArtifactId { get; init; }
    public long Bytes { get; init; }
    public DateTimeOffset CreatedAt { get; init; }

    public static string NewId() => "file-" + Guid.CreateVersion7().ToString("N");
}

public static class FilePurposes
{
    public const string Batch = "batch";
    public const string BatchOutput = "batch_output";
}
