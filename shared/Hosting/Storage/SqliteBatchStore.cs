using System.Text.Json;
using System.Text.Json.Serialization;
using Media.Hosting.Batches;

namespace Media.Hosting.Storage;

/// <summary>Batches as JSON documents in the service's SQLite file, with the columns the queries need.</summary>
public sealed class SqliteBatchStore(SqliteDatabase database) : IBatchStore
{
    static readonly string[] Active = ["validating", "inprogress", "finalizing", "cancelling"];

    public async Task InitializeAsync(CancellationToken cancellationToken)
    {
        await database.WriteLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
            await using var command = connection.CreateCommand();
            command.CommandText = """
                CREATE TABLE IF NOT EXISTS batches (
                    id TEXT PRIMARY KEY,
                    status TEXT NOT NULL,
                    created_at INTEGER NOT NULL,
                    data TEXT NOT NULL);
                CREATE INDEX IF NOT EXISTS ix_batches_created ON batches(created_at, id);
                """;
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            // Databases from before OpenAI batches lack the endpoint column; their batches are all /api/batches ones.
            command.CommandText = "SELECT COUNT(*) FROM pragma_table_info('batches') WHERE name = 'endpoint'";
            if (Convert.ToInt64(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false), System.Globalization.CultureInfo.InvariantCulture) == 0)
            {
                command.CommandText = $"ALTER TABLE batches ADD COLUMN endpoint TEXT NOT NULL DEFAULT '{BatchService.JobsEndpoint}'";
                await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }
        }
        finally { database.WriteLock.Release(); }
    }

    public Task SaveAsync(Batch batch, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(batch);
        return database.ExecuteAsync("""
            INSERT INTO batches (id, status, created_at, endpoint, data) VALUES (@id, @status, @created_at, @endpoint, @data)
            ON CONFLICT(id) DO UPDATE SET status = excluded.status, data = excluded.data
            """, cancellationToken,
            ("@id", batch.Id), ("@status", SqliteJobStore.Name(batch.Status)), ("@created_at", batch.CreatedAt.ToUnixTimeMilliseconds()),
            ("@endpoint", batch.Endpoint), ("@data", JsonSerializer.Serialize(batch, BatchJson.Default.Batch)));
    }

    public async Task<Batch?> GetAsync(string id, CancellationToken cancellationToken) =>
        (await QueryAsync("WHERE id = @id", cancellationToken, ("@id", id)).ConfigureAwait(false)).FirstOrDefault();

    public async Task<(IReadOnlyList<Batch> Batches, bool HasMore)> ListAsync(int limit, string? after, CancellationToken cancellationToken, bool openAiOnly = false)
    {
        var conditions = new List<string>();
        if (after is not null) conditions.Add("(created_at, id) < (SELECT created_at, id FROM batches WHERE id = @after)");
        if (openAiOnly) conditions.Add("endpoint <> @jobs");
        string where = conditions.Count == 0 ? "" : "WHERE " + string.Join(" AND ", conditions);
        var batches = await QueryAsync($"{where} ORDER BY created_at DESC, id DESC LIMIT @limit", cancellationToken, ("@after", after), ("@jobs", BatchService.JobsEndpoint), ("@limit", limit + 1)).ConfigureAwait(false);
        return (batches.Take(limit).ToList(), batches.Count > limit);
    }

    public async Task<IReadOnlyList<Batch>> ListActiveAsync(CancellationToken cancellationToken) =>
        await QueryAsync($"WHERE status IN ({string.Join(", ", Active.Select(s => $"'{s}'"))}) ORDER BY created_at, id", cancellationToken).ConfigureAwait(false);

    Task<List<Batch>> QueryAsync(string tail, CancellationToken cancellationToken, params (string Name, object? Value)[] parameters) =>
        database.QueryDocumentsAsync("SELECT data FROM batches " + tail, BatchJson.Default.Batch, cancellationToken, parameters);
}

[JsonSourceGenerationOptions(UseStringEnumConverter = true)]
[JsonSerializable(typeof(Batch))]
internal sealed partial class BatchJson : JsonSerializerContext;
