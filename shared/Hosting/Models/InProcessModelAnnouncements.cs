using System.Collections.Concurrent;

namespace Media.Hosting.Models;

/// <summary>Announcements kept in this process (the embedded default, where the workers share the gateway's process).</summary>
public sealed class InProcessModelAnnouncements : IModelAnnouncements
{
    readonly ConcurrentDictionary<(string Worker, string Model), ModelAnnouncement> announcements = new();

    public ValueTask AnnounceAsync(IReadOnlyList<ModelAnnouncement> announcements, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(announcements);
        foreach (var a in announcements) this.announcements[(a.Worker, a.ModelId)] = a;
        return ValueTask.CompletedTask;
    }

    public ValueTask WithdrawAsync(string worker, CancellationToken cancellationToken)
    {
        foreach (var key in announcements.Keys.Where(k => k.Worker == worker)) announcements.TryRemove(key, out _);
        return ValueTask.CompletedTask;
    }

    public ValueTask<IReadOnlyList<ModelAnnouncement>> ReadAsync(DateTimeOffset since, CancellationToken cancellationToken) =>
        ValueTask.FromResult<IReadOnlyList<ModelAnnouncement>>([.. announcements.Values.Where(a => a.At > since).OrderBy(a => a.ModelId, StringComparer.Ordinal)]);
}
