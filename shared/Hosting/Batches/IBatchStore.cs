namespace Media.Hosting.Batches;

/// <summary>Durable batches (their jobs live in the job store, tagged with the batch id).</summary>
public interface IBatchStore
{
    Task InitializeAsync(CancellationToken cancellationToken);

    Task SaveAsync(Batch batch, CancellationToken cancellationToken);

    Task<Batch?> GetAsync(string id, CancellationToken cancellationToken);

    /// <summary>Newest first; <paramref name="after"/> is the last id of the previous page; <paramref name="owner"/> null: every owner's;
    /// <paramref name="openAiOnly"/>: only batches of OpenAI lines (<c>/v1/batches</c>).</summary>
    Task<(IReadOnlyList<Batch> Batches, bool HasMore)> ListAsync(int limit, string? after, string? owner, CancellationToken cancellationToken, bool openAiOnly = false);

    /// <summary>Retention: deletes the finished batches created before <paramref name="before"/> with their file references; returns how many.</summary>
    Task<int> DeleteFinishedBeforeAsync(DateTimeOffset before, CancellationToken cancellationToken);

    /// <summary>Batches that still have work to do (validating, in progress, finalizing, cancelling), oldest first.</summary>
    Task<IReadOnlyList<Batch>> ListActiveAsync(CancellationToken cancellationToken);
}
