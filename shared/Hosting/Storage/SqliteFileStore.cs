using System.Text.Json;
using System.Text.Json.Serialization;
using Media.Hosting.Files;

namespace Media.Hosting.Storage;

/// <summary>File records as JSON documents in the service's SQLite file, with the columns the queries need.</summary>
public sealed class SqliteFileStore(SqliteDatabase database) : IFileStore
{
    public async Task InitializeAsync(CancellationToken cancellationToken)
    {
        await WriteAsync("""
            CREATE TABLE IF NOT EXISTS files (
                id TEXT PRIMARY KEY,
                purpose TEXT NOT NULL,
                created_at INTEGER NOT NULL,
                data TEXT NOT NULL);
            CREATE INDEX IF NOT EXISTS ix_files_created ON files(created_at, id);
            """, [], cancellationToken).ConfigureAwait(false);
    }

    public Task SaveAsync(StoredFile file, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(file);
        return WriteAsync("""
            INSERT INTO files (id, purpose, created_at, data) VALUES (@id, @purpose, @created_at, @data)
            ON CONFLICT(id) DO UPDATE SET purpose = excluded.purpose, data = excluded.data
            """,
            [("@id", file.Id), ("@purpose", file.Purpose), ("@created_at", file.CreatedAt.ToUnixTimeMilliseconds()),
             ("@data", JsonSerializer.Serialize(file, FileJson.Default.StoredFile))], cancellationToken);
    }

    public async Task<StoredFile?> GetAsync(string id, CancellationToken cancellationToken) =>
        (await QueryAsync("WHERE id = @id", cancellationToken, ("@id", id)).ConfigureAwait(false)).FirstOrDefault();

    public async Task<bool> DeleteAsync(string id, CancellationToken cancellationToken) =>
        await WriteAsync("DELETE FROM files WHERE id = @id", [("@id", id)], cancellationToken).ConfigureAwait(false) > 0;

    public async Task<(IReadOnlyList<StoredFile> Files, bool HasMore)> ListAsync(FileQuery query, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        var where = new List<string>();
        if (query.Purpose is not null) where.Add("purpose = @purpose");
        if (query.After is not null)
            where.Add($"(created_at, id) {(query.Ascending ? ">" : "<")} (SELECT created_at, id FROM files WHERE id = @after)");
        string direction = query.Ascending ? "ASC" : "DESC";
        string tail = (where.Count > 0 ? "WHERE " + string.Join(" AND ", where) : "") + $" ORDER BY created_at {direction}, id {direction} LIMIT @limit";
        var files = await QueryAsync(tail, cancellationToken, ("@purpose", query.Purpose), ("@after", query.After), ("@limit", query.Limit + 1)).ConfigureAwait(false);
        return (files.Take(query.Limit).ToList(), files.Count > query.Limit);
    }

    async Task<int> WriteAsync(string sql, (string Name, object? Value)[] parameters, CancellationToken cancellationToken)
    {
        await database.WriteLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
            await using var command = connection.CreateCommand();
            command.CommandText = sql;
            foreach (var (name, value) in parameters) command.Parameters.AddWithValue(name, value ?? DBNull.Value);
            return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
        finally { database.WriteLock.Release(); }
    }

    async Task<List<StoredFile>> QueryAsync(string tail, CancellationToken cancellationToken, params (string Name, object? Value)[] parameters)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT data FROM files " + tail;
        foreach (var (name, value) in parameters) command.Parameters.AddWithValue(name, value ?? DBNull.Value);
        var files = new List<StoredFile>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            files.Add(JsonSerializer.Deserialize(reader.GetString(0), FileJson.Default.StoredFile)!);
        return files;
    }
}

[JsonSerializable(typeof(StoredFile))]
internal sealed partial class FileJson : JsonSerializerContext;
