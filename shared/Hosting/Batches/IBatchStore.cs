namespace Media.Hosting.Batches;

/// <summary>Durable batches (their jobs live in the job store, tagged with the batch id).</summary>
public interface IBatchStore
{
    Task InitializeAsync(CancellationToken cancellationToken);

    Task SaveAsync(Batch batch, CancellationToken cancellationToken);

    Task<Batch?> GetAsync(string id, CancellationToken cancellationToken);

    /// <summary>Newest first; <paramref name="after"/> is the last id of the previous page; <paramref name="openAiOnly"/>: only batches of OpenAI lines (<c>/v1/batches</c>).</summary>
    Task<(IReadOnlyList<Batch> Batches, bool HasMore)> ListAsync(int limit, string? after, CancellationToken cancellationToken, bool openAiOnly = false);

    /// <summary>Batches that still have work to do (validating, in progress, finalizing, cancelling), oldest first.</summary>
    Task<IReadOnlyList<Batch>> ListActiveAsync(CancellationToken cancellationToken);
}
