using System.Data;
using Media.Hosting.Jobs;
using Media.Hosting.Storage;
using Npgsql;

namespace Media.Hosting.Postgres;

/// <summary>
/// Jobs and their event logs in the shared PostgreSQL database (scale-out). The same contract as the SQLite store: a status
/// change and its event are one transaction; a job's row is locked (FOR UPDATE) while its next event sequence is taken,
/// so writers on several machines never reuse or skip a sequence.
/// </summary>
public sealed class PostgresJobStore(PostgresDatabase database, TimeProvider time) : IJobStore
{
    public Task InitializeAsync(CancellationToken cancellationToken) => database.MigrateAsync(cancellationToken);

    public async Task<bool> RequestCancelAsync(string id, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var update = new NpgsqlCommand(JobRows.RequestCancel, connection);
        JobRows.Add(update, "@id", id, DbType.String);
        return await update.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) > 0;
    }

    public async Task<(Job Job, JobEvent? Queued, bool Created)> CreateAsync(Job job, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(job);
        if (job.Status != JobStatus.Queued) throw new ArgumentException("A new job starts queued.", nameof(job));
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        var now = Now();
        job = job with { CreatedAt = now, UpdatedAt = now };
        await using var tx = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await using (var insert = new NpgsqlCommand($"INSERT INTO jobs ({JobRows.Columns}) VALUES ({JobRows.Values}) ON CONFLICT DO NOTHING", connection, tx))
        {
            JobRows.Bind(insert, job);
            if (await insert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 0)
            {
                // The owner's idempotency key is taken (the unique index): the earlier job answers.
                await tx.RollbackAsync(cancellationToken).ConfigureAwait(false);
                var existing = job.IdempotencyKey is null ? null : await FindByIdempotencyKeyAsync(job.Owner, job.IdempotencyKey, cancellationToken).ConfigureAwait(false);
                return existing is not null ? (existing, null, false) : throw new InvalidOperationException($"Job id '{job.Id}' exists already.");
            }
        }
        var queued = await InsertEventAsync(connection, tx, new JobEvent { JobId = job.Id, Type = JobEventType.Queued }, now, cancellationToken).ConfigureAwait(false);
        await tx.CommitAsync(cancellationToken).ConfigureAwait(false);
        return (job, queued, true);
    }

    public Task<Job?> GetAsync(string id, CancellationToken cancellationToken) =>
        FirstAsync("WHERE id = @id", cancellationToken, ("@id", id));

    public Task<Job?> FindByIdempotencyKeyAsync(string owner, string key, CancellationToken cancellationToken) =>
        FirstAsync("WHERE owner = @owner AND idempotency_key = @key", cancellationToken, ("@owner", owner), ("@key", key));

    public async Task<JobPage> ListAsync(JobQuery query, CancellationToken cancellationToken)
    {
        JobRows.CheckQuery(query);
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        return await JobRows.ListAsync(command, query, cancellationToken).ConfigureAwait(false);
    }

    public async Task<IReadOnlyList<Job>> ListByStatusAsync(JobStatus status, CancellationToken cancellationToken) =>
        await QueryAsync("WHERE status = @status ORDER BY created_at, id", cancellationToken, ("@status", JobRows.Name(status))).ConfigureAwait(false);

    public async Task<IReadOnlyDictionary<JobStatus, long>> CountByStatusAsync(CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = new NpgsqlCommand(JobRows.CountByStatus, connection);
        return await JobRows.ReadStatusCountsAsync(command, cancellationToken).ConfigureAwait(false);
    }

    public async Task<(int Queued, int Running)> CountActiveAsync(string owner, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = new NpgsqlCommand(JobRows.CountActive, connection);
        JobRows.Add(command, "@owner", owner, DbType.String);
        return await JobRows.ReadActiveCountsAsync(command, cancellationToken).ConfigureAwait(false);
    }

    public async Task<(Job Job, JobEvent Event)> TransitionAsync(string id, JobStatus to, JobEvent details, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(details);
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var tx = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        var job = await LockAsync(connection, tx, id, cancellationToken).ConfigureAwait(false)
            ?? throw new KeyNotFoundException($"No job with id '{id}'.");
        var now = Now();
        var moved = JobRows.Move(job, to, details, now);
        await using (var update = new NpgsqlCommand(JobRows.UpdateMoved, connection, tx))
        {
            JobRows.Bind(update, moved);
            await update.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
        foreach (string artifact in moved.Artifacts.Distinct(StringComparer.Ordinal))
            await PostgresArtifactReferences.InsertAsync(connection, tx, artifact, moved.Id, moved.Owner, cancellationToken).ConfigureAwait(false);
        var evt = await InsertEventAsync(connection, tx, JobRows.Copy(details, id, JobStateMachine.EventFor(to)), now, cancellationToken).ConfigureAwait(false);
        await tx.CommitAsync(cancellationToken).ConfigureAwait(false);
        return (moved, evt);
    }

    // A job of a batch that is still running stays: the batch's output file is written from its jobs.
    public async Task<int> DeleteFinishedBeforeAsync(DateTimeOffset before, int limit, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = new NpgsqlCommand("""
            WITH expired AS (
                SELECT id FROM jobs
                WHERE finished_at IS NOT NULL AND finished_at < @before AND status IN ('succeeded', 'failed', 'cancelled')
                  AND (batch_id IS NULL OR batch_id NOT IN (SELECT id FROM batches WHERE status IN ('validating', 'inprogress', 'finalizing', 'cancelling')))
                LIMIT @limit),
            events AS (DELETE FROM job_events WHERE job_id IN (SELECT id FROM expired)),
            refs AS (DELETE FROM artifact_refs WHERE holder IN (SELECT id FROM expired))
            DELETE FROM jobs WHERE id IN (SELECT id FROM expired)
            """, connection);
        JobRows.Add(command, "@before", before.ToUnixTimeMilliseconds(), DbType.Int64);
        JobRows.Add(command, "@limit", limit, DbType.Int32);
        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    public async Task<JobEvent> AppendEventAsync(JobEvent evt, CancellationToken cancellationToken)
    {
        JobRows.CheckAppendable(evt);
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var tx = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        var job = await LockAsync(connection, tx, evt.JobId, cancellationToken).ConfigureAwait(false)
            ?? throw new KeyNotFoundException($"No job with id '{evt.JobId}'.");
        if (job.Status != JobStatus.Running)
            throw new InvalidJobTransitionException($"Job '{job.Id}' is {job.Status}: only a running job reports {evt.Type}.");
        var saved = await InsertEventAsync(connection, tx, JobRows.Copy(evt, evt.JobId, evt.Type), Now(), cancellationToken).ConfigureAwait(false);
        await tx.CommitAsync(cancellationToken).ConfigureAwait(false);
        return saved;
    }

    public async Task<IReadOnlyList<JobEvent>> ReadEventsAsync(string jobId, long afterSequence, int limit, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = new NpgsqlCommand(JobRows.ReadEvents, connection);
        JobRows.BindEventRange(command, jobId, afterSequence, limit);
        return await JobRows.ReadEventsAsync(command, cancellationToken).ConfigureAwait(false);
    }

    DateTimeOffset Now() => DateTimeOffset.FromUnixTimeMilliseconds(time.GetUtcNow().ToUnixTimeMilliseconds());

    /// <summary>The next sequence is taken while the job's row is locked by the caller's transaction: no gaps, no duplicates.</summary>
    static async Task<JobEvent> InsertEventAsync(NpgsqlConnection connection, NpgsqlTransaction tx, JobEvent evt, DateTimeOffset at, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(JobRows.InsertEvent, connection, tx);
        JobRows.BindEvent(command, evt, at);
        evt.Sequence = (long)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
        evt.At = at;
        return evt;
    }

    static async Task<Job?> LockAsync(NpgsqlConnection connection, NpgsqlTransaction tx, string id, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand($"SELECT {JobRows.Columns} FROM jobs WHERE id = @id FOR UPDATE", connection, tx);
        JobRows.Add(command, "@id", id, DbType.String);
        return (await JobRows.ReadAsync(command, cancellationToken).ConfigureAwait(false)).FirstOrDefault();
    }

    async Task<Job?> FirstAsync(string tail, CancellationToken cancellationToken, params (string Name, string Value)[] parameters) =>
        (await QueryAsync(tail, cancellationToken, parameters).ConfigureAwait(false)).FirstOrDefault();

    async Task<List<Job>> QueryAsync(string tail, CancellationToken cancellationToken, params (string Name, string Value)[] parameters)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = new NpgsqlCommand($"SELECT {JobRows.Columns} FROM jobs {tail}", connection);
        foreach (var (name, value) in parameters) JobRows.Add(command, name, value, DbType.String);
        return await JobRows.ReadAsync(command, cancellationToken).ConfigureAwait(false);
    }
}
