using Npgsql;

namespace Media.Hosting.Postgres;

/// <summary>
/// The shared PostgreSQL database of the scale-out mode (<c>Media:ScaleOut:Postgres</c>): one pooled data source for
/// every store. Its schema is created or migrated at start (<see cref="MigrateAsync"/>), once, under an advisory lock, so
/// several gateways and workers starting together do not race.
/// </summary>
public sealed class PostgresDatabase(string connectionString) : IAsyncDisposable
{
    /// <summary>Advisory lock key of the schema migration ("media" in ASCII).</summary>
    const long MigrationLock = 0x6d65646961;

    /// <summary>The schema versions in order; a database records the ones it has (table schema_migrations).</summary>
    static readonly string[] Migrations =
    [
        """
        CREATE TABLE jobs (
            id TEXT PRIMARY KEY,
            kind TEXT NOT NULL,
            model TEXT NOT NULL,
            family TEXT NOT NULL,
            parameters TEXT NOT NULL,
            owner TEXT NOT NULL,
            priority TEXT NOT NULL,
            status TEXT NOT NULL,
            created_at BIGINT NOT NULL,
            updated_at BIGINT NOT NULL,
            started_at BIGINT,
            finished_at BIGINT,
            artifacts TEXT NOT NULL,
            failure_reason TEXT,
            idempotency_key TEXT,
            request_hash TEXT,
            batch_id TEXT,
            custom_id TEXT,
            attempts INTEGER NOT NULL DEFAULT 0,
            cancel_requested BIGINT NOT NULL DEFAULT 0);
        CREATE UNIQUE INDEX ix_jobs_idempotency ON jobs(owner, idempotency_key) WHERE idempotency_key IS NOT NULL;
        CREATE INDEX ix_jobs_created ON jobs(created_at, id);
        CREATE INDEX ix_jobs_status ON jobs(status, created_at);
        CREATE INDEX ix_jobs_batch ON jobs(batch_id) WHERE batch_id IS NOT NULL;
        CREATE INDEX ix_jobs_finished ON jobs(finished_at) WHERE finished_at IS NOT NULL;
        CREATE TABLE job_events (
            job_id TEXT NOT NULL,
            seq BIGINT NOT NULL,
            type TEXT NOT NULL,
            at BIGINT NOT NULL,
            data TEXT NOT NULL,
            payload BYTEA,
            PRIMARY KEY (job_id, seq));
        CREATE TABLE artifact_refs (
            artifact_id TEXT NOT NULL,
            holder TEXT NOT NULL,
            owner TEXT NOT NULL,
            PRIMARY KEY (artifact_id, holder));
        CREATE INDEX ix_artifact_refs_holder ON artifact_refs(holder);
        CREATE TABLE batches (
            id TEXT PRIMARY KEY,
            status TEXT NOT NULL,
            created_at BIGINT NOT NULL,
            endpoint TEXT NOT NULL,
            owner TEXT NOT NULL,
            data TEXT NOT NULL);
        CREATE INDEX ix_batches_created ON batches(created_at, id);
        """,
        // 2: what was still per gateway (each one's SQLite file) — OpenAI file records and API keys — shared by every gateway.
        """
        CREATE TABLE files (
            id TEXT PRIMARY KEY,
            purpose TEXT NOT NULL,
            owner TEXT NOT NULL,
            created_at BIGINT NOT NULL,
            data TEXT NOT NULL);
        CREATE INDEX ix_files_created ON files(created_at, id);
        CREATE TABLE api_keys (
            id TEXT PRIMARY KEY,
            name TEXT NOT NULL,
            scopes TEXT NOT NULL,
            hash TEXT NOT NULL UNIQUE,
            created_at BIGINT NOT NULL,
            revoked_at BIGINT,
            requests_per_minute INTEGER,
            max_active_jobs INTEGER,
            max_queued_jobs INTEGER);
        """,
    ];

    public NpgsqlDataSource DataSource { get; } = NpgsqlDataSource.Create(connectionString);

    Task? migrated;

    /// <summary>
    /// <see cref="MigrateAsync"/> once per process, for stores that can be used before the start-up recovery ran (the API key
    /// check at the first request, <c>media keys</c>); a failed attempt is tried again by the next caller.
    /// </summary>
    public async Task EnsureMigratedAsync(CancellationToken cancellationToken)
    {
        var task = Volatile.Read(ref migrated);
        if (task is null)
        {
            var mine = MigrateAsync(CancellationToken.None);
            task = Interlocked.CompareExchange(ref migrated, mine, null) ?? mine;
        }
        try { await task.WaitAsync(cancellationToken).ConfigureAwait(false); }
        catch (Exception) when (task.IsFaulted)
        {
            _ = Interlocked.CompareExchange(ref migrated, null, task);
            throw;
        }
    }

    public ValueTask<NpgsqlConnection> OpenAsync(CancellationToken cancellationToken) => DataSource.OpenConnectionAsync(cancellationToken);

    /// <summary>Applies the migrations the database lacks, in one transaction, holding the migration lock.</summary>
    public async Task MigrateAsync(CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var tx = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await using (var command = new NpgsqlCommand("SELECT pg_advisory_xact_lock(@key); CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at TIMESTAMPTZ NOT NULL DEFAULT now());", connection, tx))
        {
            command.Parameters.AddWithValue("key", MigrationLock);
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
        int have;
        await using (var command = new NpgsqlCommand("SELECT COALESCE(MAX(version), 0) FROM schema_migrations", connection, tx))
            have = (int)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
        for (int version = have + 1; version <= Migrations.Length; version++)
        {
            await using var command = new NpgsqlCommand(Migrations[version - 1] + "; INSERT INTO schema_migrations (version) VALUES (@version);", connection, tx);
            command.Parameters.AddWithValue("version", version);
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
        await tx.CommitAsync(cancellationToken).ConfigureAwait(false);
    }

    public ValueTask DisposeAsync() => DataSource.DisposeAsync();
}
