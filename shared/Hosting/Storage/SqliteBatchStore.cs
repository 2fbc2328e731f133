using System.Text.Json;
using System.Text.Json.Serialization;
using Media.Hosting.Batches;
using Microsoft.Data.Sqlite;

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
            command.CommandText = SqliteArtifactReferences.Schema + """
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

    public async Task SaveAsync(Batch batch, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(batch);
        await database.WriteLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
            // One transaction: a reader that sees the batch completed with its files also sees the files' owner (without
            // it a finished batch's output file could answer 404 for a moment, as BatchesApiTests once saw under load).
            await using var tx = (SqliteTransaction)await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            await using var command = connection.CreateCommand();
            command.Transaction = tx;
            command.CommandText = """
                INSERT INTO batches (id, status, created_at, endpoint, data) VALUES (@id, @status, @created_at, @endpoint, @data)
                ON CONFLICT(id) DO UPDATE SET status = excluded.status, data = excluded.data
                """;
            command.Parameters.AddWithValue("@id", batch.Id);
            command.Parameters.AddWithValue("@status", SqliteJobStore.Name(batch.Status));
            command.Parameters.AddWithValue("@created_at", batch.CreatedAt.ToUnixTimeMilliseconds());
            command.Parameters.AddWithValue("@endpoint", batch.Endpoint);
            command.Parameters.AddWithValue("@data", JsonSerializer.Serialize(batch, BatchJson.Default.Batch));
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            // The batch's files belong to the batch's owner (and stay while the batch does).
            string?[] files = [batch.InputFileId, batch.OutputFileId, batch.ErrorFileId];
            await SqliteArtifactReferences.InsertAsync(connection, tx, files.OfType<string>(), batch.Id, batch.Owner, cancellationToken).ConfigureAwait(false);
            await tx.CommitAsync(cancellationToken).ConfigureAwait(false);
        }
        finally { database.WriteLock.Release(); }
    }

    public async Task<Batch?> GetAsync(string id, CancellationToken cancellationToken) =>
        (await QueryAsync("WHERE id = @id", cancellationToken, ("@id", id)).ConfigureAwait(false)).FirstOrDefault();

    public async Task<(IReadOnlyList<Batch> Batches, bool HasMore)> ListAsync(int limit, string? after, string? owner, CancellationToken cancellationToken, bool openAiOnly = false)
    {
        var where = new List<string>();
        if (after is not null) where.Add("(created_at, id) < (SELECT created_at, id FROM batches WHERE id = @after)");
        if (owner is not null) where.Add("json_extract(data, '$.Owner') = @owner");
        if (openAiOnly) where.Add("endpoint <> @jobs");
        string filter = where.Count > 0 ? "WHERE " + string.Join(" AND ", where) : "";
        var batches = await QueryAsync($"{filter} ORDER BY created_at DESC, id DESC LIMIT @limit", cancellationToken,
            ("@after", after), ("@owner", owner), ("@jobs", BatchService.JobsEndpoint), ("@limit", limit + 1)).ConfigureAwait(false);
        return (batches.Take(limit).ToList(), batches.Count > limit);
    }

    public Task<int> DeleteFinishedBeforeAsync(DateTimeOffset before, CancellationToken cancellationToken) => database.DeleteAsync("""
        CREATE TEMP TABLE IF NOT EXISTS expired_batches (id TEXT PRIMARY KEY);
        DELETE FROM temp.expired_batches;
        INSERT INTO temp.expired_batches SELECT id FROM batches
            WHERE created_at < @before AND status IN ('completed', 'failed', 'expired', 'cancelled');
        DELETE FROM artifact_refs WHERE holder IN (SELECT id FROM temp.expired_batches);
        DELETE FROM batches WHERE id IN (SELECT id FROM temp.expired_batches);
        SELECT COUNT(*) FROM temp.expired_batches;
        """, new Dictionary<string, object> { ["@before"] = before.ToUnixTimeMilliseconds() }, cancellationToken);

    public async Task<IReadOnlyList<Batch>> ListActiveAsync(CancellationToken cancellationToken) =>
        await QueryAsync($"WHERE status IN ({string.Join(", ", Active.Select(s => $"'{s}'"))}) ORDER BY created_at, id", cancellationToken).ConfigureAwait(false);

    Task<List<Batch>> QueryAsync(string tail, CancellationToken cancellationToken, params (string Name, object? Value)[] parameters) =>
        database.QueryDocumentsAsync("SELECT data FROM batches " + tail, BatchJson.Default.Batch, cancellationToken, parameters);
}

[JsonSourceGenerationOptions(UseStringEnumConverter = true)]
[JsonSerializable(typeof(Batch))]
internal sealed partial class BatchJson : JsonSerializerContext;
