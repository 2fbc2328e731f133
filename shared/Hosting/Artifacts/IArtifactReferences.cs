namespace Media.Hosting.Artifacts;

/// <summary>
/// Who holds each artifact: a job that made it, a batch whose file it is. An artifact is visible to the
/// owners of its holders (admins see all), and retention deletes it once no holder is left. The job and
/// batch stores record their own references; anything else that stores an artifact for a caller (an
/// uploaded file) records one with <see cref="AddAsync"/>.
/// </summary>
public interface IArtifactReferences
{
    /// <summary>Records that <paramref name="holder"/> (a job, batch or file id) of <paramref name="owner"/> holds the artifact.</summary>
    Task AddAsync(string artifactId, string holder, string owner, CancellationToken cancellationToken);

    /// <summary>Removes the references of a holder that is being deleted.</summary>
    Task RemoveHolderAsync(string holder, CancellationToken cancellationToken);

    /// <summary>Whether a holder of <paramref name="owner"/> holds the artifact.</summary>
    Task<bool> IsHeldByOwnerAsync(string artifactId, string owner, CancellationToken cancellationToken);

    /// <summary>Whether anything holds the artifact.</summary>
    Task<bool> IsHeldAsync(string artifactId, CancellationToken cancellationToken);
}
