using System.Data;
using Media.Hosting.Keys;
using Media.Hosting.Storage;
using Npgsql;

namespace Media.Hosting.Postgres;

/// <summary>
/// API keys in the shared database: a key made once (<c>media keys create --postgres ...</c>) works on every gateway, and a
/// revocation on one is seen by all at the next request. The schema is migrated on first use, since the key check can
/// come before the start-up recovery and <c>media keys</c> runs without a gateway.
/// </summary>
public sealed class PostgresApiKeyStore(PostgresDatabase database) : IApiKeyStore
{
    const string Columns = ApiKeyRows.Columns;

    public async Task AddAsync(ApiKey key, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(key);
        await database.EnsureMigratedAsync(cancellationToken).ConfigureAwait(false);
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = new NpgsqlCommand(
            $"INSERT INTO api_keys ({Columns}) VALUES (@id, @name, @scopes, @hash, @created_at, NULL, @rpm, @active, @queued)", connection);
        JobRows.Add(command, "@id", key.Id, DbType.String);
        JobRows.Add(command, "@name", key.Name, DbType.String);
        JobRows.Add(command, "@scopes", string.Join(' ', key.Scopes), DbType.String);
        JobRows.Add(command, "@hash", key.Hash, DbType.String);
        JobRows.Add(command, "@created_at", key.CreatedAt.ToUnixTimeMilliseconds(), DbType.Int64);
        JobRows.Add(command, "@rpm", key.RequestsPerMinute, DbType.Int32);
        JobRows.Add(command, "@active", key.MaxActiveJobs, DbType.Int32);
        JobRows.Add(command, "@queued", key.MaxQueuedJobs, DbType.Int32);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    public async Task<ApiKey?> FindByHashAsync(string hash, CancellationToken cancellationToken) =>
        (await QueryAsync("WHERE hash = @hash", hash, cancellationToken).ConfigureAwait(false)).FirstOrDefault();

    public async Task<IReadOnlyList<ApiKey>> ListAsync(CancellationToken cancellationToken) =>
        await QueryAsync("ORDER BY created_at, id", null, cancellationToken).ConfigureAwait(false);

    public async Task<bool> RevokeAsync(string id, DateTimeOffset at, CancellationToken cancellationToken)
    {
        await database.EnsureMigratedAsync(cancellationToken).ConfigureAwait(false);
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = new NpgsqlCommand("UPDATE api_keys SET revoked_at = COALESCE(revoked_at, @at) WHERE id = @id", connection);
        JobRows.Add(command, "@id", id, DbType.String);
        JobRows.Add(command, "@at", at.ToUnixTimeMilliseconds(), DbType.Int64);
        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) > 0;
    }

    async Task<List<ApiKey>> QueryAsync(string tail, string? hash, CancellationToken cancellationToken)
    {
        await database.EnsureMigratedAsync(cancellationToken).ConfigureAwait(false);
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = new NpgsqlCommand($"SELECT {Columns} FROM api_keys {tail}", connection);
        if (hash is not null) JobRows.Add(command, "@hash", hash, DbType.String);
        var keys = new List<ApiKey>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false)) keys.Add(ApiKeyRows.Read(reader));
        return keys;
    }
}
