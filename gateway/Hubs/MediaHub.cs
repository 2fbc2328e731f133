using System.Runtime.CompilerServices;
using System.Text.Json;
using Media.Gateway.Apis;
using Media.Hosting.Contracts;
using Media.Hosting.Jobs;
using Microsoft.AspNetCore.SignalR;

namespace Media.Gateway.Hubs;

/// <summary>
/// <c>/hubs/media</c>: submit jobs, stream their events (previews and audio as bytes with MessagePack),
/// cancel, and ask for a queue position. Errors reach the caller as HubException messages.
/// </summary>
internal sealed class MediaHub(JobService jobs) : Hub
{
    public const string Path = "/hubs/media";

    /// <summary>Submits a job (the fields of POST /api/jobs) and returns it, queued.</summary>
    public async Task<HubJob> Submit(HubJobRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (IdempotencyKeys.Problem(request.IdempotencyKey) is { } badKey) throw new HubException($"idempotency_key {badKey}.");
        JsonElement parameters;
        try { parameters = JsonSerializer.SerializeToElement(request.Parameters); }
        catch (Exception ex) when (ex is NotSupportedException or JsonException)
        {
            throw new HubException($"parameters must be a map of plain values: {ex.Message}");
        }
        var body = new Dictionary<string, object?> { ["kind"] = request.Kind, ["model"] = request.Model, ["parameters"] = parameters };
        if (request.Priority is not null) body["priority"] = request.Priority;
        try
        {
            var submission = JobRequestParser.Parse(JsonSerializer.SerializeToElement(body), jobs.Kinds) with
            {
                Owner = Caller.Owner(Context.GetHttpContext()!), Quota = Caller.Quota(Context.GetHttpContext()!.User), IdempotencyKey = request.IdempotencyKey,
            };
            var (job, _) = await jobs.SubmitAsync(submission, Context.ConnectionAborted);
            return await ViewAsync(job);
        }
        catch (JobRejectedException rejected)
        {
            throw new HubException(Describe(rejected));
        }
    }

    /// <summary>
    /// The job's events after <paramref name="afterSequence"/> (0: from the start), then live ones, each
    /// exactly once and in order; completes after the terminal event. Resume with the last sequence seen.
    /// </summary>
    public async IAsyncEnumerable<JobEvent> Stream(string jobId, long afterSequence, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        if (afterSequence < 0) throw new HubException("afterSequence must be 0 or more.");
        _ = await FindAsync(jobId, cancellationToken);
        await foreach (var e in jobs.Events.ReadAsync(jobId, afterSequence, cancellationToken)) yield return e;
    }

    /// <summary>Cancels the job (a running one stops at its next step) and returns it as it stands.</summary>
    public async Task<HubJob> Cancel(string jobId)
    {
        _ = await FindAsync(jobId, Context.ConnectionAborted);
        try { return await ViewAsync(await jobs.CancelAsync(jobId, Context.ConnectionAborted)); }
        catch (KeyNotFoundException) { throw new HubException($"No job with id '{jobId}'."); }
    }

    /// <summary>Jobs ahead of this one in its queue (0: next); null once it has left the queue.</summary>
    public async Task<int?> QueuePosition(string jobId) => await jobs.QueuePositionAsync(await FindAsync(jobId, Context.ConnectionAborted), Context.ConnectionAborted);

    /// <summary>The job as it stands.</summary>
    public async Task<HubJob> GetJob(string jobId) => await ViewAsync(await FindAsync(jobId, Context.ConnectionAborted));

    /// <summary>The job when the connection's caller may see it; another owner's job is "not found", as if it did not exist.</summary>
    async Task<Job> FindAsync(string jobId, CancellationToken cancellationToken) =>
        await jobs.GetAsync(jobId, cancellationToken) is { } job && await Caller.MaySeeAsync(Context.GetHttpContext()!, job.Owner)
            ? job
            : throw new HubException($"No job with id '{jobId}'.");

    async Task<HubJob> ViewAsync(Job job) => new()
    {
        Id = job.Id, Kind = job.Kind, Model = job.Model, Status = job.Status.ToString().ToLowerInvariant(),
        QueuePosition = await jobs.QueuePositionAsync(job, Context.ConnectionAborted),
        FailureReason = job.FailureReason, Artifacts = [.. job.Artifacts], CreatedAt = job.CreatedAt,
    };

    static string Describe(JobRejectedException rejected)
    {
        string code = rejected.Rejection switch
        {
            JobRejection.Invalid => "invalid request",
            JobRejection.UnknownModel => "model not found",
            JobRejection.ModelNotReady => "model not ready",
            JobRejection.IdempotencyConflict => "idempotency key reused",
            JobRejection.QueueFull => $"queue full, retry after {rejected.RetryAfter?.TotalSeconds ?? 1} s",
            JobRejection.QuotaExceeded => $"job quota reached, retry after {rejected.RetryAfter?.TotalSeconds ?? 1} s",
            _ => "rejected",
        };
        string detail = rejected.Errors.Count == 0 ? rejected.Message : string.Join("; ", rejected.Errors.Select(e => $"{e.Key} {string.Join(", ", e.Value)}"));
        return $"{code}: {detail}";
    }
}
