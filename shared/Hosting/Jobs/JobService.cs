using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Media.Hosting.Events;
using Media.Hosting.Models;
using Media.Hosting.Queues;
using Media.Hosting.Telemetry;
using Microsoft.Extensions.Options;

namespace Media.Hosting.Jobs;

/// <summary>
/// Every change to a job goes through here: submission (checked against the catalog, persisted,
/// queued), the worker's moves (start, events, finish), cancellation and queue positions. Each
/// change is persisted first and then published to the job's followers.
/// </summary>
public sealed class JobService(IJobStore store, IJobEventStream stream, IJobQueues queues, ModelCatalog catalog,
    IJobCancellations cancellations, JobMetrics metrics, IOptions<JobsOptions> options,
    JobKindRegistry kinds, IEnumerable<ModelLimits> modelLimits) : IDisposable
{
    readonly ModelLimits[] modelLimits = [.. modelLimits];
    // Quota checks count the owner's jobs and then store one: one such submission at a time, so two cannot both take the last place.
    readonly SemaphoreSlim quotaGate = new(1, 1);

    public IJobStore Store => store;

    public IJobEventStream Events => stream;

    /// <summary>The job kinds the services declared.</summary>
    public JobKindRegistry Kinds => kinds;

    /// <summary>
    /// Checks the submission without queuing anything: the model exists (else UnknownModel), serves the
    /// kind, can run (else ModelNotReady) and the parameters fit the kind's schema and the model's own limits. Returns the model.
    /// </summary>
    public ModelStatus Check(JobSubmission submission)
    {
        ArgumentNullException.ThrowIfNull(submission);
        var kind = kinds.Find(submission.Kind) ?? throw JobRejectedException.Invalid("kind", kinds.Unknown(submission.Kind)!);
        var model = catalog.Find(submission.Model)
            ?? throw new JobRejectedException(JobRejection.UnknownModel, $"No model with id '{submission.Model}'.");
        if (!model.Kinds.Contains(submission.Kind, StringComparer.Ordinal))
            throw JobRejectedException.Invalid("kind", $"model '{model.Id}' serves {string.Join(", ", model.Kinds)}, not {submission.Kind}");
        var errors = kind.Validate(submission.Parameters);
        if (errors.Count > 0) throw JobRejectedException.Invalid(errors);
        if (model.State is ModelState.Missing or ModelState.Failed)
            throw new JobRejectedException(JobRejection.ModelNotReady, $"Model '{model.Id}' cannot run: {model.Reason}.");
        if (!catalog.CanServe(model))
            throw new JobRejectedException(JobRejection.ModelNotReady, $"Model '{model.Id}' has a checkpoint but no generator is part of this build.");
        var limits = modelLimits.Where(c => c.ModelId == model.Id).SelectMany(c => c.Check(model, submission.Parameters))
            .GroupBy(e => e.Key, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.SelectMany(e => e.Value).ToArray(), StringComparer.Ordinal);
        if (limits.Count > 0) throw JobRejectedException.Invalid(limits);
        return model;
    }

    /// <summary>Checks, persists and queues a job (see <see cref="JobRejection"/> for the refusals).</summary>
    public async Task<SubmitResult> SubmitAsync(JobSubmission submission, CancellationToken cancellationToken)
    {
        var model = Check(submission);
        string hash = RequestHash(submission);
        if (submission.IdempotencyKey is { } key
            && await store.FindByIdempotencyKeyAsync(submission.Owner, key, cancellationToken).ConfigureAwait(false) is { } earlier)
            return Replay(earlier, hash);

        var queue = queues.For(model.Family);
        if (!await queue.HasRoomAsync(submission.Priority, 1, cancellationToken).ConfigureAwait(false)) throw QueueFull(model.Family);
        if (submission.Quota is null) return await EnqueueAsync(submission, model, hash, queue, cancellationToken).ConfigureAwait(false);
        await quotaGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await CheckQuotaAsync(submission.Owner, submission.Quota, cancellationToken).ConfigureAwait(false);
            return await EnqueueAsync(submission, model, hash, queue, cancellationToken).ConfigureAwait(false);
        }
        finally { quotaGate.Release(); }
    }

    /// <summary>Refuses (QuotaExceeded) when the owner's unfinished or waiting interactive jobs are at the quota.</summary>
    async Task CheckQuotaAsync(string owner, JobQuota quota, CancellationToken cancellationToken)
    {
        var (queued, running) = await store.CountActiveAsync(owner, cancellationToken).ConfigureAwait(false);
        string? over = queued + running >= quota.MaxActive ? $"{queued + running} unfinished jobs (at most {quota.MaxActive})"
            : queued >= quota.MaxQueued ? $"{queued} queued jobs (at most {quota.MaxQueued})"
            : null;
        if (over is not null)
            throw new JobRejectedException(JobRejection.QuotaExceeded, $"This key already has {over}; wait for some to finish.",
                retryAfter: TimeSpan.FromSeconds(options.Value.RetryAfterSeconds));
    }

    async Task<SubmitResult> EnqueueAsync(JobSubmission submission, ModelStatus model, string hash, IJobQueue queue, CancellationToken cancellationToken)
    {
        var job = new Job
        {
            Id = Job.NewId(),
            Kind = submission.Kind,
            Model = model.Id,
            Family = model.Family,
            Parameters = WithSeed(kinds.Find(submission.Kind)!, submission.Parameters),
            Owner = submission.Owner,
            Priority = submission.Priority,
            Status = JobStatus.Queued,
            IdempotencyKey = submission.IdempotencyKey,
            RequestHash = hash,
            BatchId = submission.BatchId,
            CustomId = submission.CustomId,
        };
        var (saved, queued, created) = await store.CreateAsync(job, cancellationToken).ConfigureAwait(false);
        if (!created) return Replay(saved, hash);
        await stream.PublishAsync(queued!, CancellationToken.None).ConfigureAwait(false);
        metrics.Submitted(saved);
        if (!await queue.EnqueueAsync(new QueuedJob(saved.Id, saved.Priority), false, CancellationToken.None).ConfigureAwait(false))
        {
            // Another submission took the last place between the check and now.
            await FinishAsync(saved.Id, JobStatus.Failed, new JobEvent { Message = "the queue was full" }, CancellationToken.None).ConfigureAwait(false);
            throw QueueFull(model.Family);
        }
        return new SubmitResult(saved, true);
    }

    public Task<Job?> GetAsync(string id, CancellationToken cancellationToken) => store.GetAsync(id, cancellationToken);

    /// <summary>How many jobs leave the queue before this one; null when it is not waiting.</summary>
    public async ValueTask<int?> QueuePositionAsync(Job job, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(job);
        return job.Status == JobStatus.Queued ? await queues.For(job.Family).PositionOfAsync(job.Id, cancellationToken).ConfigureAwait(false) : null;
    }

    /// <summary>
    /// Cancels a job: a waiting one leaves its queue and is cancelled now; for a running one (or one a worker just took)
    /// the request is persisted and sent as a message to the worker holding it, which stops at its next step and records
    /// the cancellation. Returns the job as it stands; a finished job is returned unchanged.
    /// </summary>
    public async Task<Job> CancelAsync(string id, CancellationToken cancellationToken)
    {
        var job = await store.GetAsync(id, cancellationToken).ConfigureAwait(false)
            ?? throw new KeyNotFoundException($"No job with id '{id}'.");
        if (JobStateMachine.IsTerminal(job.Status)) return job;
        if (job.Status == JobStatus.Queued && await queues.For(job.Family).RemoveAsync(id, cancellationToken).ConfigureAwait(false))
        {
            try
            {
                return await FinishAsync(id, JobStatus.Cancelled, new JobEvent { Message = "cancelled by request" }, cancellationToken).ConfigureAwait(false);
            }
            catch (InvalidJobTransitionException)
            {
                // It was no longer queued (a second cancel won): report it as it stands.
                return await store.GetAsync(id, cancellationToken).ConfigureAwait(false) ?? job;
            }
        }
        // Leased (running, or taken a moment ago): persisted first, so the worker sees it when it starts the job, on its
        // next lease renewal, or after a restart; the message stops it at once where it runs.
        if (!await store.RequestCancelAsync(id, cancellationToken).ConfigureAwait(false))
            return await store.GetAsync(id, cancellationToken).ConfigureAwait(false) ?? job;
        await cancellations.PublishAsync(id, cancellationToken).ConfigureAwait(false);
        // As it stood when asked: the worker records the cancellation at its next step (the terminal event says when).
        return job;
    }

    /// <summary>Marks the job running; the started event names <paramref name="worker"/>, so an operator (or a chaos test) can tell which process runs it.</summary>
    internal async Task<Job> StartAsync(string id, CancellationToken cancellationToken, string? worker = null)
    {
        var started = new JobEvent { Message = worker is null ? null : $"started by worker {worker}" };
        var (job, evt) = await store.TransitionAsync(id, JobStatus.Running, started, cancellationToken).ConfigureAwait(false);
        await stream.PublishAsync(evt, CancellationToken.None).ConfigureAwait(false);
        return job;
    }

    internal async Task<JobEvent> AppendAsync(JobEvent evt, CancellationToken cancellationToken)
    {
        var saved = await store.AppendEventAsync(evt, cancellationToken).ConfigureAwait(false);
        await stream.PublishAsync(saved, CancellationToken.None).ConfigureAwait(false);
        return saved;
    }

    /// <summary>Ends a job (succeeded with artifacts, failed with a reason, cancelled).</summary>
    internal async Task<Job> FinishAsync(string id, JobStatus status, JobEvent details, CancellationToken cancellationToken)
    {
        var (job, evt) = await store.TransitionAsync(id, status, details, cancellationToken).ConfigureAwait(false);
        await stream.PublishAsync(evt, CancellationToken.None).ConfigureAwait(false);
        metrics.Finished(job);
        return job;
    }

    /// <summary>Hands a running job back: queued again at the end of its queue, its lease given up (its worker is stopping).</summary>
    internal async Task RequeueAsync(string id, IJobQueue queue, JobLease lease, string reason, CancellationToken cancellationToken)
    {
        var job = await ReturnToQueuedAsync(id, reason, cancellationToken).ConfigureAwait(false);
        await queue.AcknowledgeAsync(lease, cancellationToken).ConfigureAwait(false);
        await queue.EnqueueAsync(new QueuedJob(job.Id, job.Priority), true, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Records that a running job's worker is gone (status back to queued, with the reason as its event).</summary>
    internal async Task<Job> ReturnToQueuedAsync(string id, string reason, CancellationToken cancellationToken)
    {
        var (job, evt) = await store.TransitionAsync(id, JobStatus.Queued, new JobEvent { Message = reason }, cancellationToken).ConfigureAwait(false);
        await stream.PublishAsync(evt, CancellationToken.None).ConfigureAwait(false);
        return job;
    }

    JobRejectedException QueueFull(string family) =>
        new(JobRejection.QueueFull, $"The {family} queue is full; try again later.", retryAfter: TimeSpan.FromSeconds(options.Value.RetryAfterSeconds));

    static SubmitResult Replay(Job earlier, string hash) => earlier.RequestHash == hash
        ? new SubmitResult(earlier, false)
        : throw new JobRejectedException(JobRejection.IdempotencyConflict,
            $"The Idempotency-Key was used for job '{earlier.Id}' with a different request.");

    static string RequestHash(JobSubmission s) => Convert.ToHexStringLower(SHA256.HashData(
        Encoding.UTF8.GetBytes($"{s.Kind}\n{s.Model}\n{s.Priority}\n{JsonSerializer.Serialize(s.Parameters)}")));

    /// <summary>A kind that takes a seed gets one when the request has none, so the result can be made again.</summary>
    static JsonElement WithSeed(JobKind kind, JsonElement parameters)
    {
        if (!kind.TakesSeed || parameters.TryGetProperty("seed", out _)) return parameters;
        var node = JsonNode.Parse(parameters.GetRawText())!.AsObject();
        node["seed"] = Random.Shared.NextInt64(0, 1L << 31);
        return JsonSerializer.SerializeToElement(node);
    }

    public void Dispose() => quotaGate.Dispose();
}
