using System.Data;
using System.Text.Json;
using Media.Hosting.Files;
using Media.Hosting.Storage;
using Npgsql;

namespace Media.Hosting.Postgres;

/// <summary>
/// OpenAI file records in the shared database, so a file uploaded through one gateway is listed, read and used by a batch
/// on any other (the bytes are artifacts, in the shared artifacts folder). JSON documents with the columns the queries
/// need, as <see cref="SqliteFileStore"/> keeps them.
/// </summary>
public sealed class PostgresFileStore(PostgresDatabase database) : IFileStore
{
    public Task InitializeAsync(CancellationToken cancellationToken) => database.EnsureMigratedAsync(cancellationToken);

    public async Task SaveAsync(StoredFile file, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(file);
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = new NpgsqlCommand("""
            INSERT INTO files (id, purpose, owner, created_at, data) VALUES (@id, @purpose, @owner, @created_at, @data)
            ON CONFLICT (id) DO UPDATE SET purpose = excluded.purpose, owner = excluded.owner, data = excluded.data
            """, connection);
        JobRows.Add(command, "@id", file.Id, DbType.String);
        JobRows.Add(command, "@purpose", file.Purpose, DbType.String);
        JobRows.Add(command, "@owner", file.Owner, DbType.String);
        JobRows.Add(command, "@created_at", file.CreatedAt.ToUnixTimeMilliseconds(), DbType.Int64);
        JobRows.Add(command, "@data", JsonSerializer.Serialize(file, FileJson.Default.StoredFile), DbType.String);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    public async Task<StoredFile?> GetAsync(string id, CancellationToken cancellationToken) =>
        (await QueryAsync("WHERE id = @id", cancellationToken, ("@id", id, DbType.String)).ConfigureAwait(false)).FirstOrDefault();

    public async Task<bool> DeleteAsync(string id, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = new NpgsqlCommand("DELETE FROM files WHERE id = @id", connection);
        JobRows.Add(command, "@id", id, DbType.String);
        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) > 0;
    }

    public async Task<(IReadOnlyList<StoredFile> Files, bool HasMore)> ListAsync(FileQuery query, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        var where = new List<string>();
        var parameters = new List<(string, object?, DbType)> { ("@limit", query.Limit + 1, DbType.Int32) };
        if (query.Purpose is not null)
        {
            where.Add("purpose = @purpose");
            parameters.Add(("@purpose", query.Purpose, DbType.String));
        }
        if (query.Owner is not null)
        {
            where.Add("owner = @owner");
            parameters.Add(("@owner", query.Owner, DbType.String));
        }
        if (query.After is not null)
        {
            where.Add($"(created_at, id) {(query.Ascending ? ">" : "<")} (SELECT created_at, id FROM files WHERE id = @after)");
            parameters.Add(("@after", query.After, DbType.String));
        }
        string direction = query.Ascending ? "ASC" : "DESC";
        string tail = (where.Count > 0 ? "WHERE " + string.Join(" AND ", where) : "") + $" ORDER BY created_at {direction}, id {direction} LIMIT @limit";
        var files = await QueryAsync(tail, cancellationToken, [.. parameters]).ConfigureAwait(false);
        return (files.Take(query.Limit).ToList(), files.Count > query.Limit);
    }

    async Task<List<StoredFile>> QueryAsync(string tail, CancellationToken cancellationToken, params (string Name, object? Value, DbType Type)[] parameters)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = new NpgsqlCommand("SELECT data FROM files " + tail, connection);
        foreach (var (name, value, type) in parameters) JobRows.Add(command, name, value, type);
        var files = new List<StoredFile>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            files.Add(JsonSerializer.Deserialize(reader.GetString(0), FileJson.Default.StoredFile)!);
        return files;
    }
}
