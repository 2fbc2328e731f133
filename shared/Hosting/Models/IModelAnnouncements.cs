namespace Media.Hosting.Models;

/// <summary>
/// One worker's word on one model: its state there (<see cref="ModelState"/>: available or loaded — ready —, loading,
/// missing, failed) and when it said so. <paramref name="Limits"/> is what the model can do, as the worker read it from
/// its checkpoint, so a gateway without the models folder shows and checks the same limits.
/// </summary>
public sealed record ModelAnnouncement(string ModelId, string Worker, ModelState State, string? Reason, DateTimeOffset At,
    System.Text.Json.Nodes.JsonObject? Limits = null);

/// <summary>
/// Where workers announce the models they serve, and gateways read them (<see cref="ModelCatalog"/> in the gateway role).
/// An announcement counts until <c>Media:ScaleOut:AnnouncementSeconds</c> after it was made; workers repeat theirs.
/// The embedded default is <see cref="InProcessModelAnnouncements"/>; <c>Redis.RedisModelAnnouncements</c> keeps them in a hash.
/// </summary>
public interface IModelAnnouncements
{
    ValueTask AnnounceAsync(IReadOnlyList<ModelAnnouncement> announcements, CancellationToken cancellationToken);

    /// <summary>The worker stopped: its announcements end now.</summary>
    ValueTask WithdrawAsync(string worker, CancellationToken cancellationToken);

    /// <summary>Every announcement made after <paramref name="since"/>.</summary>
    ValueTask<IReadOnlyList<ModelAnnouncement>> ReadAsync(DateTimeOffset since, CancellationToken cancellationToken);
}
