namespace Media.Hosting.Keys;

/// <summary>
/// An API key as stored: never the token itself, only its SHA-256 (the token is 256 random bits, so a
/// plain hash cannot be reversed or guessed). <see cref="Id"/> is public: it names the key in listings
/// and is the owner of the jobs, artifacts and batches made with it.
/// </summary>
public sealed record ApiKey
{
    public required string Id { get; init; }
    public required string Name { get; init; }
    /// <summary>What the key may do (<see cref="ApiKeyScopes"/>).</summary>
    public required IReadOnlyList<string> Scopes { get; init; }
    /// <summary>Lowercase hex SHA-256 of the token.</summary>
    public required string Hash { get; init; }
    public DateTimeOffset CreatedAt { get; init; }
    public DateTimeOffset? RevokedAt { get; init; }
    /// <summary>Requests per minute; null: the configured default (<c>Media:Keys:RequestsPerMinute</c>).</summary>
    public int? RequestsPerMinute { get; init; }
    /// <summary>Unfinished (queued or running) interactive jobs at once; null: the configured default.</summary>
    public int? MaxActiveJobs { get; init; }
    /// <summary>Queued interactive jobs at once; null: the configured default.</summary>
    public int? MaxQueuedJobs { get; init; }

    public bool IsRevoked => RevokedAt is not null;

    public bool HasScope(string scope) => Scopes.Contains(scope, StringComparer.Ordinal);

    public static string NewId() => "key_" + Guid.CreateVersion7().ToString("N")[..20];
}
