using System.Text.Json;
using Media.Hosting.Jobs;
using Microsoft.Data.Sqlite;

namespace Media.Hosting.Storage;

/// <summary>Jobs and their event logs in the service's SQLite file (the embedded default).</summary>
public sealed class SqliteJobStore(SqliteDatabase database, TimeProvider time) : IJobStore
{
    const string JobColumns = JobRows.Columns;

    public async Task InitializeAsync(CancellationToken cancellationToken)
    {
        await database.WriteLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
            bool hadReferences;
            await using (var probe = connection.CreateCommand())
            {
                probe.CommandText = "SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'artifact_refs')";
                hadReferences = (long)(await probe.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))! == 1;
            }
            await using var command = connection.CreateCommand();
            // A database from before artifact references: every finished job's artifacts get their owner once.
            string backfill = hadReferences ? "" : """
                INSERT OR IGNORE INTO artifact_refs (artifact_id, holder, owner)
                    SELECT a.value, jobs.id, jobs.owner FROM jobs, json_each(jobs.artifacts) AS a;
                """;
            command.CommandText = SqliteArtifactReferences.Schema + """
                CREATE TABLE IF NOT EXISTS jobs (
                    id TEXT PRIMARY KEY,
                    kind TEXT NOT NULL,
                    model TEXT NOT NULL,
                    family TEXT NOT NULL,
                    parameters TEXT NOT NULL,
                    owner TEXT NOT NULL,
                    priority TEXT NOT NULL,
                    status TEXT NOT NULL,
                    created_at INTEGER NOT NULL,
                    updated_at INTEGER NOT NULL,
                    started_at INTEGER,
                    finished_at INTEGER,
                    artifacts TEXT NOT NULL,
                    failure_reason TEXT,
                    idempotency_key TEXT,
                    request_hash TEXT,
                    batch_id TEXT,
                    custom_id TEXT,
                    attempts INTEGER NOT NULL DEFAULT 0,
                    cancel_requested INTEGER NOT NULL DEFAULT 0);
                CREATE UNIQUE INDEX IF NOT EXISTS ix_jobs_idempotency ON jobs(owner, idempotency_key) WHERE idempotency_key IS NOT NULL;
                CREATE INDEX IF NOT EXISTS ix_jobs_created ON jobs(created_at, id);
                CREATE INDEX IF NOT EXISTS ix_jobs_status ON jobs(status, created_at);
                CREATE INDEX IF NOT EXISTS ix_jobs_batch ON jobs(batch_id) WHERE batch_id IS NOT NULL;
                CREATE TABLE IF NOT EXISTS job_events (
                    job_id TEXT NOT NULL,
                    seq INTEGER NOT NULL,
                    type TEXT NOT NULL,
                    at INTEGER NOT NULL,
                    data TEXT NOT NULL,
                    payload BLOB,
                    PRIMARY KEY (job_id, seq)) WITHOUT ROWID;
                CREATE INDEX IF NOT EXISTS ix_jobs_finished ON jobs(finished_at) WHERE finished_at IS NOT NULL;
                """ + backfill;
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            // Files made before attempts were counted and cancels persisted get the two columns.
            foreach (string column in new[] { "attempts", "cancel_requested" })
            {
                await using var has = connection.CreateCommand();
                has.CommandText = "SELECT COUNT(*) FROM pragma_table_info('jobs') WHERE name = @name";
                has.Parameters.AddWithValue("@name", column);
                if ((long)(await has.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))! > 0) continue;
                await using var add = connection.CreateCommand();
                add.CommandText = $"ALTER TABLE jobs ADD COLUMN {column} INTEGER NOT NULL DEFAULT 0";
                await add.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }
        }
        finally { database.WriteLock.Release(); }
    }

    public async Task<bool> RequestCancelAsync(string id, CancellationToken cancellationToken)
    {
        await database.WriteLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
            await using var update = connection.CreateCommand();
            update.CommandText = JobRows.RequestCancel;
            update.Parameters.AddWithValue("@id", id);
            return await update.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) > 0;
        }
        finally { database.WriteLock.Release(); }
    }

    public async Task<(Job Job, JobEvent? Queued, bool Created)> CreateAsync(Job job, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(job);
        if (job.Status != JobStatus.Queued) throw new ArgumentException("A new job starts queued.", nameof(job));
        await database.WriteLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
            if (job.IdempotencyKey is not null
                && await FindByIdempotencyKeyAsync(connection, job.Owner, job.IdempotencyKey, cancellationToken).ConfigureAwait(false) is { } existing)
                return (existing, null, false);

            var now = Now();
            job = job with { CreatedAt = now, UpdatedAt = now };
            await using var tx = (SqliteTransaction)await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            await using (var insert = connection.CreateCommand())
            {
                insert.Transaction = tx;
                insert.CommandText = $"INSERT INTO jobs ({JobColumns}) VALUES ({JobRows.Values})";
                JobRows.Bind(insert, job);
                await insert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }
            var queued = await InsertEventAsync(connection, tx, new JobEvent { JobId = job.Id, Type = JobEventType.Queued }, now, cancellationToken).ConfigureAwait(false);
            await tx.CommitAsync(cancellationToken).ConfigureAwait(false);
            return (job, queued, true);
        }
        finally { database.WriteLock.Release(); }
    }

    public async Task<Job?> GetAsync(string id, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        return await GetAsync(connection, null, id, cancellationToken).ConfigureAwait(false);
    }

    public async Task<Job?> FindByIdempotencyKeyAsync(string owner, string key, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        return await FindByIdempotencyKeyAsync(connection, owner, key, cancellationToken).ConfigureAwait(false);
    }

    public async Task<JobPage> ListAsync(JobQuery query, CancellationToken cancellationToken)
    {
        JobRows.CheckQuery(query);
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        return await JobRows.ListAsync(command, query, cancellationToken).ConfigureAwait(false);
    }

    public async Task<IReadOnlyList<Job>> ListByStatusAsync(JobStatus status, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        command.CommandText = $"SELECT {JobColumns} FROM jobs WHERE status = @status ORDER BY created_at, id";
        command.Parameters.AddWithValue("@status", Name(status));
        return await JobRows.ReadAsync(command, cancellationToken).ConfigureAwait(false);
    }

    public async Task<IReadOnlyDictionary<JobStatus, long>> CountByStatusAsync(CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        command.CommandText = JobRows.CountByStatus;
        return await JobRows.ReadStatusCountsAsync(command, cancellationToken).ConfigureAwait(false);
    }

    public async Task<(int Queued, int Running)> CountActiveAsync(string owner, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        command.CommandText = JobRows.CountActive;
        command.Parameters.AddWithValue("@owner", owner);
        return await JobRows.ReadActiveCountsAsync(command, cancellationToken).ConfigureAwait(false);
    }

    public async Task<(Job Job, JobEvent Event)> TransitionAsync(string id, JobStatus to, JobEvent details, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(details);
        await database.WriteLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
            await using var tx = (SqliteTransaction)await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            var job = await GetAsync(connection, tx, id, cancellationToken).ConfigureAwait(false)
                ?? throw new KeyNotFoundException($"No job with id '{id}'.");
            var now = Now();
            var moved = JobRows.Move(job, to, details, now);
            await using (var update = connection.CreateCommand())
            {
                update.Transaction = tx;
                update.CommandText = JobRows.UpdateMoved;
                JobRows.Bind(update, moved);
                await update.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }
            if (moved.Artifacts.Count > 0)
                await SqliteArtifactReferences.InsertAsync(connection, tx, moved.Artifacts, moved.Id, moved.Owner, cancellationToken).ConfigureAwait(false);
            var evt = JobRows.Copy(details, id, JobStateMachine.EventFor(to));
            evt = await InsertEventAsync(connection, tx, evt, now, cancellationToken).ConfigureAwait(false);
            await tx.CommitAsync(cancellationToken).ConfigureAwait(false);
            return (moved, evt);
        }
        finally { database.WriteLock.Release(); }
    }

    // A job of a batch that is still running stays: the batch's output file is written from its jobs.
    public Task<int> DeleteFinishedBeforeAsync(DateTimeOffset before, int limit, CancellationToken cancellationToken) => database.DeleteAsync("""
        CREATE TEMP TABLE IF NOT EXISTS expired (id TEXT PRIMARY KEY);
        DELETE FROM temp.expired;
        INSERT INTO temp.expired SELECT id FROM jobs
            WHERE finished_at IS NOT NULL AND finished_at < @before AND status IN ('succeeded', 'failed', 'cancelled')
              AND (batch_id IS NULL OR batch_id NOT IN (SELECT id FROM batches WHERE status IN ('validating', 'inprogress', 'finalizing', 'cancelling')))
            LIMIT @limit;
        DELETE FROM job_events WHERE job_id IN (SELECT id FROM temp.expired);
        DELETE FROM artifact_refs WHERE holder IN (SELECT id FROM temp.expired);
        DELETE FROM jobs WHERE id IN (SELECT id FROM temp.expired);
        SELECT COUNT(*) FROM temp.expired;
        """, new Dictionary<string, object> { ["@before"] = before.ToUnixTimeMilliseconds(), ["@limit"] = limit }, cancellationToken);

    public async Task<JobEvent> AppendEventAsync(JobEvent evt, CancellationToken cancellationToken)
    {
        JobRows.CheckAppendable(evt);
        await database.WriteLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
            await using var tx = (SqliteTransaction)await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            var job = await GetAsync(connection, tx, evt.JobId, cancellationToken).ConfigureAwait(false)
                ?? throw new KeyNotFoundException($"No job with id '{evt.JobId}'.");
            if (job.Status != JobStatus.Running)
                throw new InvalidJobTransitionException($"Job '{job.Id}' is {job.Status}: only a running job reports {evt.Type}.");
            var saved = await InsertEventAsync(connection, tx, JobRows.Copy(evt, evt.JobId, evt.Type), Now(), cancellationToken).ConfigureAwait(false);
            await tx.CommitAsync(cancellationToken).ConfigureAwait(false);
            return saved;
        }
        finally { database.WriteLock.Release(); }
    }

    public async Task<IReadOnlyList<JobEvent>> ReadEventsAsync(string jobId, long afterSequence, int limit, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        command.CommandText = JobRows.ReadEvents;
        JobRows.BindEventRange(command, jobId, afterSequence, limit);
        return await JobRows.ReadEventsAsync(command, cancellationToken).ConfigureAwait(false);
    }

    DateTimeOffset Now() => DateTimeOffset.FromUnixTimeMilliseconds(time.GetUtcNow().ToUnixTimeMilliseconds());

    /// <summary>The next sequence is computed inside the insert, and (job_id, seq) is the key: no gaps, no duplicates.</summary>
    static async Task<JobEvent> InsertEventAsync(SqliteConnection connection, SqliteTransaction tx, JobEvent evt, DateTimeOffset at, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.Transaction = tx;
        command.CommandText = JobRows.InsertEvent;
        JobRows.BindEvent(command, evt, at);
        evt.Sequence = (long)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
        evt.At = at;
        return evt;
    }

    static async Task<Job?> GetAsync(SqliteConnection connection, SqliteTransaction? tx, string id, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.Transaction = tx;
        command.CommandText = $"SELECT {JobColumns} FROM jobs WHERE id = @id";
        command.Parameters.AddWithValue("@id", id);
        return (await JobRows.ReadAsync(command, cancellationToken).ConfigureAwait(false)).FirstOrDefault();
    }

    static async Task<Job?> FindByIdempotencyKeyAsync(SqliteConnection connection, string owner, string key, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = $"SELECT {JobColumns} FROM jobs WHERE owner = @owner AND idempotency_key = @key";
        command.Parameters.AddWithValue("@owner", owner);
        command.Parameters.AddWithValue("@key", key);
        return (await JobRows.ReadAsync(command, cancellationToken).ConfigureAwait(false)).FirstOrDefault();
    }

    internal static string Name<T>(T value) where T : struct, Enum => JobRows.Name(value);
}
