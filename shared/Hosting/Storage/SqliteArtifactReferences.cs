using Media.Hosting.Artifacts;
using Microsoft.Data.Sqlite;

namespace Media.Hosting.Storage;

/// <summary>
/// The <c>artifact_refs</c> table of the service's SQLite file. The job and batch stores write their rows
/// in the same transactions as the jobs and batches themselves (<see cref="InsertAsync"/>), so a finished
/// job's artifacts are never without their owner.
/// </summary>
public sealed class SqliteArtifactReferences(SqliteDatabase database) : IArtifactReferences
{
    /// <summary>Created by each store that writes references (whichever initialises first).</summary>
    internal const string Schema = """
        CREATE TABLE IF NOT EXISTS artifact_refs (
            artifact_id TEXT NOT NULL,
            holder TEXT NOT NULL,
            owner TEXT NOT NULL,
            PRIMARY KEY (artifact_id, holder)) WITHOUT ROWID;
        CREATE INDEX IF NOT EXISTS ix_artifact_refs_holder ON artifact_refs(holder);
        """;

    public async Task AddAsync(string artifactId, string holder, string owner, CancellationToken cancellationToken)
    {
        await database.WriteLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
            await EnsureSchemaAsync(connection, cancellationToken).ConfigureAwait(false);
            await InsertAsync(connection, null, [artifactId], holder, owner, cancellationToken).ConfigureAwait(false);
        }
        finally { database.WriteLock.Release(); }
    }

    public async Task RemoveHolderAsync(string holder, CancellationToken cancellationToken)
    {
        await database.WriteLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
            await EnsureSchemaAsync(connection, cancellationToken).ConfigureAwait(false);
            await using var command = connection.CreateCommand();
            command.CommandText = "DELETE FROM artifact_refs WHERE holder = @holder";
            command.Parameters.AddWithValue("@holder", holder);
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
        finally { database.WriteLock.Release(); }
    }

    public Task<bool> IsHeldByOwnerAsync(string artifactId, string owner, CancellationToken cancellationToken) =>
        ExistsAsync("artifact_id = @artifact AND owner = @owner", artifactId, owner, cancellationToken);

    public Task<bool> IsHeldAsync(string artifactId, CancellationToken cancellationToken) =>
        ExistsAsync("artifact_id = @artifact", artifactId, null, cancellationToken);

    async Task<bool> ExistsAsync(string where, string artifactId, string? owner, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        command.CommandText = $"SELECT EXISTS (SELECT 1 FROM artifact_refs WHERE {where})";
        command.Parameters.AddWithValue("@artifact", artifactId);
        if (owner is not null) command.Parameters.AddWithValue("@owner", owner);
        try { return (long)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))! == 1; }
        catch (SqliteException ex) when (ex.SqliteErrorCode == 1 && ex.Message.Contains("no such table", StringComparison.Ordinal)) { return false; }
    }

    /// <summary>Inserts one row per artifact for the holder (existing rows stay), inside the caller's transaction.</summary>
    internal static async Task InsertAsync(SqliteConnection connection, SqliteTransaction? tx, IEnumerable<string> artifactIds, string holder, string owner,
        CancellationToken cancellationToken)
    {
        foreach (string id in artifactIds.Distinct(StringComparer.Ordinal))
        {
            await using var command = connection.CreateCommand();
            command.Transaction = tx;
            command.CommandText = "INSERT OR IGNORE INTO artifact_refs (artifact_id, holder, owner) VALUES (@artifact, @holder, @owner)";
            command.Parameters.AddWithValue("@artifact", id);
            command.Parameters.AddWithValue("@holder", holder);
            command.Parameters.AddWithValue("@owner", owner);
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    static async Task EnsureSchemaAsync(SqliteConnection connection, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = Schema;
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }
}
