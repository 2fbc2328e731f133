using System.Data;
using System.Text.Json;
using Media.Hosting.Batches;
using Media.Hosting.Storage;
using Npgsql;

namespace Media.Hosting.Postgres;

/// <summary>Batches as JSON documents in the shared database, with the columns the queries need (as the SQLite store keeps them).</summary>
public sealed class PostgresBatchStore(PostgresDatabase database) : IBatchStore
{
    static readonly string[] Active = ["validating", "inprogress", "finalizing", "cancelling"];

    public Task InitializeAsync(CancellationToken cancellationToken) => database.MigrateAsync(cancellationToken);

    public async Task SaveAsync(Batch batch, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(batch);
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var tx = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await using (var command = new NpgsqlCommand("""
            INSERT INTO batches (id, status, created_at, endpoint, owner, data) VALUES (@id, @status, @created_at, @endpoint, @owner, @data)
            ON CONFLICT (id) DO UPDATE SET status = excluded.status, data = excluded.data
            """, connection, tx))
        {
            JobRows.Add(command, "@id", batch.Id, DbType.String);
            JobRows.Add(command, "@status", JobRows.Name(batch.Status), DbType.String);
            JobRows.Add(command, "@created_at", batch.CreatedAt.ToUnixTimeMilliseconds(), DbType.Int64);
            JobRows.Add(command, "@endpoint", batch.Endpoint, DbType.String);
            JobRows.Add(command, "@owner", batch.Owner, DbType.String);
            JobRows.Add(command, "@data", JsonSerializer.Serialize(batch, BatchJson.Default.Batch), DbType.String);
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
        // The batch's files belong to the batch's owner (and stay while the batch does).
        foreach (string file in new[] { batch.InputFileId, batch.OutputFileId, batch.ErrorFileId }.OfType<string>().Distinct(StringComparer.Ordinal))
            await PostgresArtifactReferences.InsertAsync(connection, tx, file, batch.Id, batch.Owner, cancellationToken).ConfigureAwait(false);
        await tx.CommitAsync(cancellationToken).ConfigureAwait(false);
    }

    public async Task<Batch?> GetAsync(string id, CancellationToken cancellationToken) =>
        (await QueryAsync("WHERE id = @id", cancellationToken, ("@id", id, DbType.String)).ConfigureAwait(false)).FirstOrDefault();

    public async Task<(IReadOnlyList<Batch> Batches, bool HasMore)> ListAsync(int limit, string? after, string? owner, CancellationToken cancellationToken, bool openAiOnly = false)
    {
        var where = new List<string>();
        var parameters = new List<(string, object?, DbType)> { ("@limit", limit + 1, DbType.Int32) };
        if (after is not null)
        {
            where.Add("(created_at, id) < (SELECT created_at, id FROM batches WHERE id = @after)");
            parameters.Add(("@after", after, DbType.String));
        }
        if (owner is not null)
        {
            where.Add("owner = @owner");
            parameters.Add(("@owner", owner, DbType.String));
        }
        if (openAiOnly)
        {
            where.Add("endpoint <> @jobs");
            parameters.Add(("@jobs", BatchService.JobsEndpoint, DbType.String));
        }
        string filter = where.Count > 0 ? "WHERE " + string.Join(" AND ", where) : "";
        var batches = await QueryAsync($"{filter} ORDER BY created_at DESC, id DESC LIMIT @limit", cancellationToken, [.. parameters]).ConfigureAwait(false);
        return (batches.Take(limit).ToList(), batches.Count > limit);
    }

    public async Task<int> DeleteFinishedBeforeAsync(DateTimeOffset before, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = new NpgsqlCommand("""
            WITH expired AS (SELECT id FROM batches WHERE created_at < @before AND status IN ('completed', 'failed', 'expired', 'cancelled')),
            refs AS (DELETE FROM artifact_refs WHERE holder IN (SELECT id FROM expired))
            DELETE FROM batches WHERE id IN (SELECT id FROM expired)
            """, connection);
        JobRows.Add(command, "@before", before.ToUnixTimeMilliseconds(), DbType.Int64);
        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    public async Task<IReadOnlyList<Batch>> ListActiveAsync(CancellationToken cancellationToken) =>
        await QueryAsync($"WHERE status IN ({string.Join(", ", Active.Select(s => $"'{s}'"))}) ORDER BY created_at, id", cancellationToken).ConfigureAwait(false);

    async Task<List<Batch>> QueryAsync(string tail, CancellationToken cancellationToken, params (string Name, object? Value, DbType Type)[] parameters)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = new NpgsqlCommand("SELECT data FROM batches " + tail, connection);
        foreach (var (name, value, type) in parameters) JobRows.Add(command, name, value, type);
        var batches = new List<Batch>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            batches.Add(JsonSerializer.Deserialize(reader.GetString(0), BatchJson.Default.Batch)!);
        return batches;
    }
}
