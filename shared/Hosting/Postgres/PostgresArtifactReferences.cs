using System.Data;
using Media.Hosting.Artifacts;
using Media.Hosting.Storage;
using Npgsql;

namespace Media.Hosting.Postgres;

/// <summary>
/// The <c>artifact_refs</c> table of the shared database: every gateway answers "may this caller read this artifact" the
/// same way. The job and batch stores write their rows in their own transactions (<see cref="InsertAsync"/>).
/// </summary>
public sealed class PostgresArtifactReferences(PostgresDatabase database) : IArtifactReferences
{
    public async Task AddAsync(string artifactId, string holder, string owner, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await InsertAsync(connection, null, artifactId, holder, owner, cancellationToken).ConfigureAwait(false);
    }

    public async Task RemoveHolderAsync(string holder, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = new NpgsqlCommand("DELETE FROM artifact_refs WHERE holder = @holder", connection);
        JobRows.Add(command, "@holder", holder, DbType.String);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    public Task<bool> IsHeldByOwnerAsync(string artifactId, string owner, CancellationToken cancellationToken) =>
        ExistsAsync("artifact_id = @artifact AND owner = @owner", artifactId, owner, cancellationToken);

    public Task<bool> IsHeldAsync(string artifactId, CancellationToken cancellationToken) =>
        ExistsAsync("artifact_id = @artifact", artifactId, null, cancellationToken);

    async Task<bool> ExistsAsync(string where, string artifactId, string? owner, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = new NpgsqlCommand($"SELECT EXISTS (SELECT 1 FROM artifact_refs WHERE {where})", connection);
        JobRows.Add(command, "@artifact", artifactId, DbType.String);
        if (owner is not null) JobRows.Add(command, "@owner", owner, DbType.String);
        return (bool)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
    }

    /// <summary>One row for the holder (an existing row stays), inside the caller's transaction when it has one.</summary>
    internal static async Task InsertAsync(NpgsqlConnection connection, NpgsqlTransaction? tx, string artifactId, string holder, string owner, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(
            "INSERT INTO artifact_refs (artifact_id, holder, owner) VALUES (@artifact, @holder, @owner) ON CONFLICT DO NOTHING", connection, tx);
        JobRows.Add(command, "@artifact", artifactId, DbType.String);
        JobRows.Add(command, "@holder", holder, DbType.String);
        JobRows.Add(command, "@owner", owner, DbType.String);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }
}
