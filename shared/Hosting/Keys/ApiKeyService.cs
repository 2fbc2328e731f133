using System.Security.Cryptography;
using System.Text;

namespace Media.Hosting.Keys;

/// <summary>Creates tokens, finds the key a token belongs to, lists and revokes keys (the gateway and <c>media keys</c> share it).</summary>
public sealed class ApiKeyService(IApiKeyStore store, TimeProvider time)
{
    /// <summary>Every token starts so, which lets people (and secret scanners) recognise one.</summary>
    public const string TokenPrefix = "media-";

    /// <summary>Creates a key; the token is returned only here, once, and is never stored.</summary>
    public async Task<(ApiKey Key, string Token)> CreateAsync(string name, IReadOnlyList<string> scopes, CancellationToken cancellationToken,
        int? requestsPerMinute = null, int? maxActiveJobs = null, int? maxQueuedJobs = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(scopes);
        if (scopes.Count == 0) throw new ArgumentException("A key needs at least one scope.", nameof(scopes));
        if (scopes.FirstOrDefault(s => !ApiKeyScopes.All.Contains(s, StringComparer.Ordinal)) is { } unknown)
            throw new ArgumentException($"Unknown scope '{unknown}'; scopes are {string.Join(", ", ApiKeyScopes.All)}.", nameof(scopes));
        if (requestsPerMinute is < 1 || maxActiveJobs is < 1 || maxQueuedJobs is < 1)
            throw new ArgumentException("Limits must be at least 1.");
        string token = TokenPrefix + Base64Url(RandomNumberGenerator.GetBytes(32));
        var key = new ApiKey
        {
            Id = ApiKey.NewId(), Name = name.Trim(), Scopes = [.. scopes.Distinct(StringComparer.Ordinal)], Hash = Hash(token),
            CreatedAt = time.GetUtcNow(), RequestsPerMinute = requestsPerMinute, MaxActiveJobs = maxActiveJobs, MaxQueuedJobs = maxQueuedJobs,
        };
        await store.AddAsync(key, cancellationToken).ConfigureAwait(false);
        return (key, token);
    }

    /// <summary>The live key of a token; null for an unknown or revoked one.</summary>
    public async Task<ApiKey?> AuthenticateAsync(string token, CancellationToken cancellationToken)
    {
        if (string.IsNullOrEmpty(token) || token.Length > 200) return null;
        var key = await store.FindByHashAsync(Hash(token), cancellationToken).ConfigureAwait(false);
        return key is { IsRevoked: false } ? key : null;
    }

    public Task<IReadOnlyList<ApiKey>> ListAsync(CancellationToken cancellationToken) => store.ListAsync(cancellationToken);

    public Task<bool> RevokeAsync(string id, CancellationToken cancellationToken) => store.RevokeAsync(id, time.GetUtcNow(), cancellationToken);

    /// <summary>Lowercase hex SHA-256 of the token's UTF-8 bytes.</summary>
    public static string Hash(string token) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(token)));

    static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
