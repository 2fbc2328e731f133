using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Microsoft.Data.Sqlite;

namespace Media.Hosting.Storage;

/// <summary>
/// The service's one SQLite file (WAL, so readers never wait for the writer). Writes go through
/// <see cref="WriteLock"/>: one writer at a time in-process, so transactions never meet SQLITE_BUSY.
/// </summary>
public sealed class SqliteDatabase : IDisposable
{
    readonly string connectionString;

    public SqliteDatabase(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        Path = System.IO.Path.GetFullPath(path);
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(Path)!);
        connectionString = new SqliteConnectionStringBuilder { DataSource = Path, Pooling = true }.ToString();
        using var connection = new SqliteConnection(connectionString);
        connection.Open();
        // Takes effect only on a new (empty) file: deleted rows then give their pages back to the
        // file system at ReclaimSpaceAsync. An older file reuses freed pages for new rows instead.
        Execute(connection, "PRAGMA auto_vacuum=INCREMENTAL;");
        Execute(connection, "PRAGMA journal_mode=WAL;");
    }

    public string Path { get; }

    public SemaphoreSlim WriteLock { get; } = new(1, 1);

    public async Task<SqliteConnection> OpenAsync(CancellationToken cancellationToken)
    {
        var connection = new SqliteConnection(connectionString);
        await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
        // WAL + NORMAL: a commit survives a process crash; only an OS crash can lose the last ones.
        Execute(connection, "PRAGMA synchronous=NORMAL;");
        return connection;
    }

    /// <summary>Runs one write statement under <see cref="WriteLock"/>; returns the number of rows it changed.</summary>
    public async Task<int> ExecuteAsync(string sql, CancellationToken cancellationToken, params (string Name, object? Value)[] parameters)
    {
        await WriteLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
            await using var command = connection.CreateCommand();
            command.CommandText = sql;
            foreach (var (name, value) in parameters) command.Parameters.AddWithValue(name, value ?? DBNull.Value);
            return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
        finally { WriteLock.Release(); }
    }

    /// <summary>The JSON documents in the first column of the query's rows (stores that keep a record as one document).</summary>
    public async Task<List<T>> QueryDocumentsAsync<T>(string sql, JsonTypeInfo<T> type, CancellationToken cancellationToken, params (string Name, object? Value)[] parameters)
    {
        await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        foreach (var (name, value) in parameters) command.Parameters.AddWithValue(name, value ?? DBNull.Value);
        var documents = new List<T>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            documents.Add(JsonSerializer.Deserialize(reader.GetString(0), type)!);
        return documents;
    }

    public SqliteConnection Open()
    {
        var connection = new SqliteConnection(connectionString);
        connection.Open();
        Execute(connection, "PRAGMA synchronous=NORMAL;");
        return connection;
    }

    /// <summary>
    /// Retention: runs a delete script in one write transaction; its last statement selects how many
    /// things it deleted. When that is more than 0 the freed space goes back to the file system.
    /// </summary>
    public async Task<int> DeleteAsync(string script, IReadOnlyDictionary<string, object> parameters, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        int deleted;
        await WriteLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
            await using var tx = (SqliteTransaction)await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            await using var command = connection.CreateCommand();
            command.Transaction = tx;
            command.CommandText = script;
            foreach (var (name, value) in parameters) command.Parameters.AddWithValue(name, value);
            deleted = (int)(long)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
            await tx.CommitAsync(cancellationToken).ConfigureAwait(false);
        }
        finally { WriteLock.Release(); }
        if (deleted > 0) await ReclaimSpaceAsync(cancellationToken).ConfigureAwait(false);
        return deleted;
    }

    /// <summary>After deletions: returns free pages to the file system and truncates the write-ahead log.</summary>
    public async Task ReclaimSpaceAsync(CancellationToken cancellationToken)
    {
        await WriteLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
            await using var command = connection.CreateCommand();
            command.CommandText = "PRAGMA incremental_vacuum; PRAGMA wal_checkpoint(TRUNCATE);";
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.NextResultAsync(cancellationToken).ConfigureAwait(false)) { }
        }
        finally { WriteLock.Release(); }
    }

    static void Execute(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    public void Dispose()
    {
        WriteLock.Dispose();
        using var connection = new SqliteConnection(connectionString);
        SqliteConnection.ClearPool(connection);
    }
}
