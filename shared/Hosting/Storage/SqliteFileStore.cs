using System.Text.Json;
using System.Text.Json.Serialization;
using Media.Hosting.Files;

namespace Media.Hosting.Storage;

/// <summary>File records as JSON documents in the service's SQLite file, with the columns the queries need.</summary>
public sealed class SqliteFileStore(SqliteDatabase database) : IFileStore
{
    public Task InitializeAsync(CancellationToken cancellationToken) =>
        database.ExecuteAsync("""
            CREATE TABLE IF NOT EXISTS files (
                id TEXT PRIMARY KEY,
                purpose TEXT NOT NULL,
                created_at INTEGER NOT NULL,
                data TEXT NOT NULL);
            CREATE INDEX IF NOT EXISTS ix_files_created ON files(created_at, id);
            """, cancellationToken);

    public Task SaveAsync(StoredFile file, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(file);
        return database.ExecuteAsync("""
            INSERT INTO files (id, purpose, created_at, data) VALUES (@id, @purpose, @created_at, @data)
            ON CONFLICT(id) DO UPDATE SET purpose = excluded.purpose, data = excluded.data
            """, cancellationToken,
            ("@id", file.Id), ("@purpose", file.Purpose), ("@created_at", file.CreatedAt.ToUnixTimeMilliseconds()),
            ("@data", JsonSerializer.Serialize(file, FileJson.Default.StoredFile)));
    }

    public async Task<StoredFile?> GetAsync(string id, CancellationToken cancellationToken) =>
        (await QueryAsync("WHERE id = @id", cancellationToken, ("@id", id)).ConfigureAwait(false)).FirstOrDefault();

    public async Task<bool> DeleteAsync(string id, CancellationToken cancellationToken) =>
        await database.ExecuteAsync("DELETE FROM files WHERE id = @id", cancellationToken, ("@id", id)).ConfigureAwait(false) > 0;

    public async Task<(IReadOnlyList<StoredFile> Files, bool HasMore)> ListAsync(FileQuery query, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        var where = new List<string>();
        if (query.Purpose is not null) where.Add("purpose = @purpose");
        if (query.Owner is not null) where.Add("json_extract(data, '$.Owner') = @owner");
        if (query.After is not null)
            where.Add($"(created_at, id) {(query.Ascending ? ">" : "<")} (SELECT created_at, id FROM files WHERE id = @after)");
        string direction = query.Ascending ? "ASC" : "DESC";
        string tail = (where.Count > 0 ? "WHERE " + string.Join(" AND ", where) : "") + $" ORDER BY created_at {direction}, id {direction} LIMIT @limit";
        var files = await QueryAsync(tail, cancellationToken, ("@purpose", query.Purpose), ("@owner", query.Owner), ("@after", query.After), ("@limit", query.Limit + 1)).ConfigureAwait(false);
        return (files.Take(query.Limit).ToList(), files.Count > query.Limit);
    }

    Task<List<StoredFile>> QueryAsync(string tail, CancellationToken cancellationToken, params (string Name, object? Value)[] parameters) =>
        database.QueryDocumentsAsync("SELECT data FROM files " + tail, FileJson.Default.StoredFile, cancellationToken, parameters);
}

[JsonSerializable(typeof(StoredFile))]
internal sealed partial class FileJson : JsonSerializerContext;
