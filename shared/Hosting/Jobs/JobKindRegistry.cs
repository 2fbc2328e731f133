namespace Media.Hosting.Jobs;

/// <summary>
/// The job kinds the registered services declared (<see cref="HostingExtensions.AddJobKind"/>). Hosting knows no kind of its
/// own: it validates a job's parameters against whatever its kind declares.
/// </summary>
public sealed class JobKindRegistry
{
    readonly Dictionary<string, JobKind> kinds = new(StringComparer.Ordinal);

    public JobKindRegistry(IEnumerable<JobKind> kinds)
    {
        ArgumentNullException.ThrowIfNull(kinds);
        foreach (var kind in kinds)
            if (!this.kinds.TryAdd(kind.Name, kind)) throw new InvalidOperationException($"Job kind '{kind.Name}' is registered twice.");
        Names = [.. this.kinds.Keys];
    }

    /// <summary>Every kind's name, in registration order.</summary>
    public IReadOnlyList<string> Names { get; }

    /// <summary>Every kind.</summary>
    public IEnumerable<JobKind> All => kinds.Values;

    public JobKind? Find(string name) => kinds.GetValueOrDefault(name);

    /// <summary>The error for a kind no service declared ("kind" key), or null.</summary>
    public string? Unknown(string name) => kinds.ContainsKey(name) ? null : $"must be one of {string.Join(", ", Names)}";
}
