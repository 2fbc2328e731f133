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
