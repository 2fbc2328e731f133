namespace Media.Hosting.Keys;

/// <summary>Durable API keys (hashed). The embedded default is <see cref="Storage.SqliteApiKeyStore"/>, in the jobs database.</summary>
public interface IApiKeyStore
{
    Task AddAsync(ApiKey key, CancellationToken cancellationToken);

    /// <summary>The key whose token hashes to <paramref name="hash"/>, revoked or not; null when none.</summary>
    Task<ApiKey?> FindByHashAsync(string hash, CancellationToken cancellationToken);

    /// <summary>Every key, oldest first.</summary>
    Task<IReadOnlyList<ApiKey>> ListAsync(CancellationToken cancellationToken);

    /// <summary>Marks the key revoked at <paramref name="at"/>; false when there is no key with that id.</summary>
    Task<bool> RevokeAsync(string id, DateTimeOffset at, CancellationToken cancellationToken);
}
