namespace Media.Hosting.Artifacts;

/// <summary>
/// Content-addressed artifact storage. The embedded default keeps files under the data folder
/// (<see cref="FileArtifactStore"/>); a shared volume or object storage fills the same contract.
/// </summary>
public interface IArtifactStore
{
    /// <summary>Stores the bytes (once per distinct content) and returns their artifact.</summary>
    Task<Artifact> SaveAsync(ReadOnlyMemory<byte> content, ArtifactInfo info, CancellationToken cancellationToken);

    /// <summary>The artifact's description, or null when the id is unknown or not an artifact id.</summary>
    Task<Artifact?> GetAsync(string id, CancellationToken cancellationToken);

    /// <summary>Reads the artifact's bytes, or null when unknown.</summary>
    Task<Stream?> OpenReadAsync(string id, CancellationToken cancellationToken);

    /// <summary>Ids of the stored artifacts last saved before <paramref name="before"/> (retention candidates).</summary>
    IAsyncEnumerable<string> ListSavedBeforeAsync(DateTimeOffset before, CancellationToken cancellationToken);

    /// <summary>
    /// Deletes the artifact unless it was saved again at or after <paramref name="savedBefore"/> (a new job made
    /// the same bytes: it is in use again). Returns the bytes freed, 0 when nothing was deleted.
    /// </summary>
    Task<long> DeleteAsync(string id, DateTimeOffset savedBefore, CancellationToken cancellationToken);
}
