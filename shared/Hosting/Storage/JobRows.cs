using System.Data;
using System.Data.Common;
using System.Text.Json;
using Media.Hosting.Jobs;

namespace Media.Hosting.Storage;

/// <summary>
/// How a job and an event are written to and read from a row, for every SQL job store (SQLite, PostgreSQL): the same
/// columns, the same encodings (times as Unix milliseconds, enums as lower-case names, parameters and event fields as JSON).
/// </summary>
internal static class JobRows
{
    public const string Columns = "id, kind, model, family, parameters, owner, priority, status, created_at, updated_at, started_at, finished_at, artifacts, failure_reason, idempotency_key, request_hash, batch_id, custom_id, attempts, cancel_requested";

    public const string Values = "@id, @kind, @model, @family, @parameters, @owner, @priority, @status, @created_at, @updated_at, @started_at, @finished_at, @artifacts, @failure_reason, @idempotency_key, @request_hash, @batch_id, @custom_id, @attempts, @cancel_requested";

    public const string EventColumns = "job_id, seq, type, at, data, payload";

    /// <summary>A move's update of a job row (bound by <see cref="Bind(DbCommand, Job)"/>).</summary>
    public const string UpdateMoved = "UPDATE jobs SET status = @status, updated_at = @updated_at, started_at = @started_at, finished_at = @finished_at, artifacts = @artifacts, failure_reason = @failure_reason, attempts = @attempts WHERE id = @id";

    /// <summary>Marks a queued or running job (@id) for cancelling.</summary>
    public const string RequestCancel = "UPDATE jobs SET cancel_requested = 1 WHERE id = @id AND status IN ('queued', 'running')";

    /// <summary>Inserts an event (bound by <see cref="BindEvent"/>) with the job's next sequence, computed inside the insert, and returns that sequence.</summary>
    public const string InsertEvent = """
        INSERT INTO job_events (job_id, seq, type, at, data, payload)
        SELECT @job, COALESCE(MAX(seq), 0) + 1, @type, @at, @data, @payload FROM job_events WHERE job_id = @job
        RETURNING seq
        """;

    public const string CountByStatus = "SELECT status, COUNT(*) FROM jobs GROUP BY status";

    public const string CountActive = "SELECT status, COUNT(*) FROM jobs WHERE status IN ('queued', 'running') AND owner = @owner AND priority <> 'batch' GROUP BY status";

    /// <summary>A job's events after a sequence (bound by <see cref="BindEventRange"/>).</summary>
    public const string ReadEvents = $"SELECT {EventColumns} FROM job_events WHERE job_id = @job AND seq > @after ORDER BY seq LIMIT @limit";

    /// <summary>Adds a typed parameter (typed, so a null is a typed null for PostgreSQL).</summary>
    public static void Add(DbCommand command, string name, object? value, DbType type)
    {
        var p = command.CreateParameter();
        p.ParameterName = name;
        p.DbType = type;
        p.Value = value ?? DBNull.Value;
        command.Parameters.Add(p);
    }

    public static void Bind(DbCommand command, Job job)
    {
        Add(command, "@id", job.Id, DbType.String);
        Add(command, "@kind", job.Kind, DbType.String);
        Add(command, "@model", job.Model, DbType.String);
        Add(command, "@family", job.Family, DbType.String);
        Add(command, "@parameters", job.Parameters.GetRawText(), DbType.String);
        Add(command, "@owner", job.Owner, DbType.String);
        Add(command, "@priority", Name(job.Priority), DbType.String);
        Add(command, "@status", Name(job.Status), DbType.String);
        Add(command, "@created_at", job.CreatedAt.ToUnixTimeMilliseconds(), DbType.Int64);
        Add(command, "@updated_at", job.UpdatedAt.ToUnixTimeMilliseconds(), DbType.Int64);
        Add(command, "@started_at", job.StartedAt?.ToUnixTimeMilliseconds(), DbType.Int64);
        Add(command, "@finished_at", job.FinishedAt?.ToUnixTimeMilliseconds(), DbType.Int64);
        Add(command, "@artifacts", JsonSerializer.Serialize(job.Artifacts.ToList(), StorageJson.Default.ListString), DbType.String);
        Add(command, "@failure_reason", job.FailureReason, DbType.String);
        Add(command, "@idempotency_key", job.IdempotencyKey, DbType.String);
        Add(command, "@request_hash", job.RequestHash, DbType.String);
        Add(command, "@batch_id", job.BatchId, DbType.String);
        Add(command, "@custom_id", job.CustomId, DbType.String);
        Add(command, "@attempts", job.Attempts, DbType.Int32);
        Add(command, "@cancel_requested", job.CancelRequested ? 1L : 0L, DbType.Int64);
    }

    public static async Task<List<Job>> ReadAsync(DbCommand command, CancellationToken cancellationToken)
    {
        var jobs = new List<Job>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            using var parameters = JsonDocument.Parse(reader.GetString(4));
            jobs.Add(new Job
            {
                Id = reader.GetString(0),
                Kind = reader.GetString(1),
                Model = reader.GetString(2),
                Family = reader.GetString(3),
                Parameters = parameters.RootElement.Clone(),
                Owner = reader.GetString(5),
                Priority = Parse<JobPriority>(reader.GetString(6)),
                Status = Parse<JobStatus>(reader.GetString(7)),
                CreatedAt = DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(8)),
                UpdatedAt = DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(9)),
                StartedAt = reader.IsDBNull(10) ? null : DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(10)),
                FinishedAt = reader.IsDBNull(11) ? null : DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(11)),
                Artifacts = JsonSerializer.Deserialize(reader.GetString(12), StorageJson.Default.ListString)!,
                FailureReason = reader.IsDBNull(13) ? null : reader.GetString(13),
                IdempotencyKey = reader.IsDBNull(14) ? null : reader.GetString(14),
                RequestHash = reader.IsDBNull(15) ? null : reader.GetString(15),
                BatchId = reader.IsDBNull(16) ? null : reader.GetString(16),
                CustomId = reader.IsDBNull(17) ? null : reader.GetString(17),
                Attempts = reader.GetInt32(18),
                CancelRequested = reader.GetInt64(19) != 0,
            });
        }
        return jobs;
    }

    /// <summary>Binds an event's columns but its sequence (@job, @type, @at, @data, @payload).</summary>
    public static void BindEvent(DbCommand command, JobEvent evt, DateTimeOffset at)
    {
        Add(command, "@job", evt.JobId, DbType.String);
        Add(command, "@type", Name(evt.Type), DbType.String);
        Add(command, "@at", at.ToUnixTimeMilliseconds(), DbType.Int64);
        var data = new EventData(evt.Step, evt.TotalSteps, evt.Message, evt.Artifacts?.ToList(), evt.ContentType, evt.SampleRate, evt.Channels);
        Add(command, "@data", JsonSerializer.Serialize(data, StorageJson.Default.EventData), DbType.String);
        Add(command, "@payload", evt.Payload, DbType.Binary);
    }

    /// <summary>Refuses a page size out of 1..1000.</summary>
    public static void CheckQuery(JobQuery query)
    {
        ArgumentNullException.ThrowIfNull(query);
        if (query.Limit is < 1 or > 1000) throw new ArgumentOutOfRangeException(nameof(query), query.Limit, "Limit must be 1..1000.");
    }

    /// <summary>Runs <paramref name="query"/> on <paramref name="command"/> (a fresh command of an open connection): one page, newest first.</summary>
    public static async Task<JobPage> ListAsync(DbCommand command, JobQuery query, CancellationToken cancellationToken)
    {
        var where = new List<string>();
        void Filter(string column, string? value)
        {
            if (value is null) return;
            where.Add($"{column} = @{column}");
            Add(command, "@" + column, value, DbType.String);
        }
        Filter("status", query.Status is { } s ? Name(s) : null);
        Filter("kind", query.Kind);
        Filter("model", query.Model);
        Filter("owner", query.Owner);
        Filter("batch_id", query.BatchId);
        if (query.After is not null)
        {
            where.Add("(created_at, id) < (SELECT created_at, id FROM jobs WHERE id = @after)");
            Add(command, "@after", query.After, DbType.String);
        }
        command.CommandText = $"SELECT {Columns} FROM jobs {(where.Count > 0 ? "WHERE " + string.Join(" AND ", where) : "")} ORDER BY created_at DESC, id DESC LIMIT @limit";
        Add(command, "@limit", query.Limit + 1, DbType.Int32);
        var jobs = await ReadAsync(command, cancellationToken).ConfigureAwait(false);
        bool more = jobs.Count > query.Limit;
        return new JobPage(more ? jobs.Take(query.Limit).ToList() : jobs, more);
    }

    /// <summary>Reads the rows of <see cref="CountByStatus"/>: every status, zero where none.</summary>
    public static async Task<IReadOnlyDictionary<JobStatus, long>> ReadStatusCountsAsync(DbCommand command, CancellationToken cancellationToken)
    {
        var counts = Enum.GetValues<JobStatus>().ToDictionary(s => s, _ => 0L);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            counts[Parse<JobStatus>(reader.GetString(0))] = reader.GetInt64(1);
        return counts;
    }

    /// <summary>Reads the rows of <see cref="CountActive"/>.</summary>
    public static async Task<(int Queued, int Running)> ReadActiveCountsAsync(DbCommand command, CancellationToken cancellationToken)
    {
        int queued = 0, running = 0;
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            if (reader.GetString(0) == "queued") queued = (int)reader.GetInt64(1);
            else running = (int)reader.GetInt64(1);
        }
        return (queued, running);
    }

    /// <summary>Binds <see cref="ReadEvents"/>'s @job, @after and @limit.</summary>
    public static void BindEventRange(DbCommand command, string jobId, long afterSequence, int limit)
    {
        Add(command, "@job", jobId, DbType.String);
        Add(command, "@after", afterSequence, DbType.Int64);
        Add(command, "@limit", limit, DbType.Int32);
    }

    /// <summary>Reads rows of <see cref="EventColumns"/>.</summary>
    public static async Task<List<JobEvent>> ReadEventsAsync(DbCommand command, CancellationToken cancellationToken)
    {
        var events = new List<JobEvent>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            var data = JsonSerializer.Deserialize(reader.GetString(4), StorageJson.Default.EventData)!;
            events.Add(new JobEvent
            {
                JobId = reader.GetString(0),
                Sequence = reader.GetInt64(1),
                Type = Parse<JobEventType>(reader.GetString(2)),
                At = DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(3)),
                Step = data.Step,
                TotalSteps = data.TotalSteps,
                Message = data.Message,
                Artifacts = data.Artifacts,
                ContentType = data.ContentType,
                SampleRate = data.SampleRate,
                Channels = data.Channels,
                Payload = reader.IsDBNull(5) ? null : (byte[])reader.GetValue(5),
            });
        }
        return events;
    }

    /// <summary>The event to store for a job: the details' fields with the given job id and type.</summary>
    public static JobEvent Copy(JobEvent e, string jobId, JobEventType type) => new()
    {
        JobId = jobId, Type = type, Step = e.Step, TotalSteps = e.TotalSteps, Message = e.Message, Artifacts = e.Artifacts,
        ContentType = e.ContentType, SampleRate = e.SampleRate, Channels = e.Channels, Payload = e.Payload,
    };

    /// <summary>Refuses what <see cref="IJobStore.AppendEventAsync"/> does not take: status events come with a transition.</summary>
    public static void CheckAppendable(JobEvent evt)
    {
        ArgumentNullException.ThrowIfNull(evt);
        if (evt.Type is not (JobEventType.Progress or JobEventType.Preview or JobEventType.AudioChunk))
            throw new ArgumentException($"{evt.Type} events come with a status change (TransitionAsync).", nameof(evt));
    }

    /// <summary>A job after a move: every start is an attempt (a job whose worker is lost this often fails, Media:Jobs:MaxAttempts).</summary>
    public static Job Move(Job job, JobStatus to, JobEvent details, DateTimeOffset now)
    {
        var moved = JobStateMachine.Move(job, to, now, details.Message, details.Artifacts?.ToList());
        return to == JobStatus.Running ? moved with { Attempts = job.Attempts + 1 } : moved;
    }

    public static string Name<T>(T value) where T : struct, Enum => value.ToString().ToLowerInvariant();

    public static T Parse<T>(string name) where T : struct, Enum => Enum.Parse<T>(name, ignoreCase: true);
}
