namespace Media.Hosting.Files;

/// <summary>Durable file records (the bytes are artifacts).</summary>
public interface IFileStore
{
    Task InitializeAsync(CancellationToken cancellationToken);

    /// <summary>Creates or replaces the record with this id.</summary>
    Task SaveAsync(StoredFile file, CancellationToken cancellationToken);

    Task<StoredFile?> GetAsync(string id, CancellationToken cancellationToken);

    /// <summary>False when there was no such file.</summary>
    Task<bool> DeleteAsync(string id, CancellationToken cancellationToken);

    Task<(IReadOnlyList<StoredFile> Files, bool HasMore)> ListAsync(FileQuery query, CancellationToken cancellationToken);
}

/// <summary>A page of files: of one purpose or all, oldest or newest first, after the id that ended the previous page.</summary>
/// <param name="Owner">Only this owner's files; null: every owner's.</param>
public sealed record FileQuery(string? Purpose = null, int Limit = 100, string? After = null, bool Ascending = false, string? Owner = null);
