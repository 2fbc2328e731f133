using Media.Hosting.Keys;
using Microsoft.Data.Sqlite;

namespace Media.Hosting.Storage;

/// <summary>
/// API keys in the service's SQLite file. The table is created on first use, so <c>media keys</c> can
/// add keys to a data folder whose gateway has never run (or is running: SQLite lets both write).
/// </summary>
public sealed class SqliteApiKeyStore(SqliteDatabase database) : IApiKeyStore
{
    const string Columns = ApiKeyRows.Columns;
    volatile bool created;

    public async Task AddAsync(ApiKey key, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(key);
        await WriteAsync(async connection =>
        {
            await using var command = connection.CreateCommand();
            command.CommandText = $"INSERT INTO api_keys ({Columns}) VALUES (@id, @name, @scopes, @hash, @created_at, NULL, @rpm, @active, @queued)";
            command.Parameters.AddWithValue("@id", key.Id);
            command.Parameters.AddWithValue("@name", key.Name);
            command.Parameters.AddWithValue("@scopes", string.Join(' ', key.Scopes));
            command.Parameters.AddWithValue("@hash", key.Hash);
            command.Parameters.AddWithValue("@created_at", key.CreatedAt.ToUnixTimeMilliseconds());
            command.Parameters.AddWithValue("@rpm", (object?)key.RequestsPerMinute ?? DBNull.Value);
            command.Parameters.AddWithValue("@active", (object?)key.MaxActiveJobs ?? DBNull.Value);
            command.Parameters.AddWithValue("@queued", (object?)key.MaxQueuedJobs ?? DBNull.Value);
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            return 0;
        }, cancellationToken).ConfigureAwait(false);
    }

    public async Task<ApiKey?> FindByHashAsync(string hash, CancellationToken cancellationToken) =>
        (await QueryAsync("WHERE hash = @hash", ("@hash", hash), cancellationToken).ConfigureAwait(false)).FirstOrDefault();

    public async Task<IReadOnlyList<ApiKey>> ListAsync(CancellationToken cancellationToken) =>
        await QueryAsync("ORDER BY created_at, id", null, cancellationToken).ConfigureAwait(false);

    public Task<bool> RevokeAsync(string id, DateTimeOffset at, CancellationToken cancellationToken) =>
        WriteAsync(async connection =>
        {
            await using var command = connection.CreateCommand();
            command.CommandText = "UPDATE api_keys SET revoked_at = COALESCE(revoked_at, @at) WHERE id = @id";
            command.Parameters.AddWithValue("@id", id);
            command.Parameters.AddWithValue("@at", at.ToUnixTimeMilliseconds());
            return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) > 0;
        }, cancellationToken);

    async Task<List<ApiKey>> QueryAsync(string tail, (string Name, object Value)? parameter, CancellationToken cancellationToken)
    {
        await EnsureTableAsync(cancellationToken).ConfigureAwait(false);
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        command.CommandText = $"SELECT {Columns} FROM api_keys {tail}";
        if (parameter is { } p) command.Parameters.AddWithValue(p.Name, p.Value);
        var keys = new List<ApiKey>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false)) keys.Add(ApiKeyRows.Read(reader));
        return keys;
    }

    async Task<T> WriteAsync<T>(Func<SqliteConnection, Task<T>> write, CancellationToken cancellationToken)
    {
        await EnsureTableAsync(cancellationToken).ConfigureAwait(false);
        await database.WriteLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
            return await write(connection).ConfigureAwait(false);
        }
        finally { database.WriteLock.Release(); }
    }

    async Task EnsureTableAsync(CancellationToken cancellationToken)
    {
        if (created) return;
        await database.WriteLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
            await using var command = connection.CreateCommand();
            command.CommandText = """
                CREATE TABLE IF NOT EXISTS api_keys (
                    id TEXT PRIMARY KEY,
                    name TEXT NOT NULL,
                    scopes TEXT NOT NULL,
                    hash TEXT NOT NULL UNIQUE,
                    created_at INTEGER NOT NULL,
                    revoked_at INTEGER,
                    requests_per_minute INTEGER,
                    max_active_jobs INTEGER,
                    max_queued_jobs INTEGER);
                """;
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            created = true;
        }
        finally { database.WriteLock.Release(); }
    }
}
