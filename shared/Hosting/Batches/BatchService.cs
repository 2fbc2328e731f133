using System.Text;
using System.Text.Json;
using Media.Hosting.Artifacts;
using Media.Hosting.Jobs;
using Media.Hosting.Queues;
using Media.Hosting.Models;
using Microsoft.Extensions.Options;

namespace Media.Hosting.Batches;

/// <summary>
/// Batch rendering: an uploaded JSONL file of <c>{"custom_id": ..., "request": {job request}}</c> lines
/// becomes batch-priority jobs; when all have ended, an output file (one line per succeeded job with
/// its artifact URLs) and an error file (one line per refused, failed or cancelled request) are
/// written. Statuses follow OpenAI's Batch API. <see cref="BatchRunner"/> drives the batches forward.
/// </summary>
public sealed class BatchService(IBatchStore batches, JobService jobs, IArtifactStore artifacts, IJobQueues queues, ModelCatalog catalog,
    IOptions<JobsOptions> options, TimeProvider time) : IDisposable
{
    public const string JsonLines = "application/jsonl";
    public static readonly TimeSpan CompletionWindow = TimeSpan.FromHours(24);

    readonly SemaphoreSlim _wake = new(0);
    // The runner and cancel requests both rewrite a batch; one at a time, so neither undoes the other.
    readonly SemaphoreSlim _gate = new(1, 1);

    /// <summary>Released whenever there is new batch work, so the runner does not wait for its next tick.</summary>
    internal SemaphoreSlim Wake => _wake;

    public IBatchStore Store => batches;

    /// <summary>
    /// Stores the input file and creates the batch (validating). Refuses (JobRejectedException Invalid)
    /// a file that is empty or has more lines than allowed, and (QueueFull) one whose jobs do not fit
    /// in the batch lanes of their families' queues.
    /// </summary>
    public async Task<Batch> CreateAsync(string owner, ReadOnlyMemory<byte> input, CancellationToken cancellationToken)
    {
        var lines = Lines(input);
        if (lines.Count == 0) throw JobRejectedException.Invalid("file", "has no request lines");
        if (lines.Count > options.Value.MaxBatchRequests)
            throw JobRejectedException.Invalid("file", $"has {lines.Count} requests; at most {options.Value.MaxBatchRequests} are allowed");
        foreach (var family in catalog.List().Select(m => m.Family).Distinct(StringComparer.Ordinal))
        {
            if (!queues.For(family).HasRoom(JobPriority.Batch, Math.Min(lines.Count, options.Value.BatchQueueCapacity)))
                throw new JobRejectedException(JobRejection.QueueFull, $"The {family} batch queue is full; try again later.",
                    retryAfter: TimeSpan.FromSeconds(options.Value.RetryAfterSeconds));
        }
        var file = await artifacts.SaveAsync(input, new ArtifactInfo(JsonLines, Name: "input.jsonl"), cancellationToken).ConfigureAwait(false);
        var now = time.GetUtcNow();
        var batch = new Batch
        {
            Id = Batch.NewId(), Owner = owner, Status = BatchStatus.Validating, InputFileId = file.Id, CreatedAt = now, ExpiresAt = now + CompletionWindow,
            RequestCounts = new BatchRequestCounts(lines.Count, 0, 0),
        };
        await batches.SaveAsync(batch, cancellationToken).ConfigureAwait(false);
        _wake.Release();
        return batch;
    }

    /// <summary>Asks a batch to stop: its unfinished jobs are cancelled and it ends as cancelled. A finished batch is returned as it is.</summary>
    public async Task<Batch?> CancelAsync(string id, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try { return await CancelCoreAsync(id, cancellationToken).ConfigureAwait(false); }
        finally { _gate.Release(); }
    }

    async Task<Batch?> CancelCoreAsync(string id, CancellationToken cancellationToken)
    {
        var batch = await batches.GetAsync(id, cancellationToken).ConfigureAwait(false);
        if (batch is null || batch.IsFinished || batch.Status is BatchStatus.Cancelling or BatchStatus.Finalizing) return batch;
        batch = batch with { Status = BatchStatus.Cancelling, CancellingAt = time.GetUtcNow() };
        await batches.SaveAsync(batch, cancellationToken).ConfigureAwait(false);
        _wake.Release();
        return batch;
    }

    /// <summary>Moves one batch as far as it can go now; returns it as saved.</summary>
    internal async Task<Batch> AdvanceAsync(string id, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var batch = await batches.GetAsync(id, cancellationToken).ConfigureAwait(false)
                ?? throw new KeyNotFoundException($"No batch with id '{id}'.");
            return await AdvanceCoreAsync(batch, cancellationToken).ConfigureAwait(false);
        }
        finally { _gate.Release(); }
    }

    async Task<Batch> AdvanceCoreAsync(Batch batch, CancellationToken cancellationToken)
    {
        if (batch.Status == BatchStatus.Validating) batch = await ValidateAsync(batch, cancellationToken).ConfigureAwait(false);
        if (batch.Status is BatchStatus.InProgress or BatchStatus.Cancelling or BatchStatus.Finalizing)
            batch = await TrackAsync(batch, cancellationToken).ConfigureAwait(false);
        return batch;
    }

    /// <summary>
    /// Reads every line; a line that is not <c>{"custom_id", "request"}</c> or repeats a custom_id fails the
    /// whole batch (nothing runs). Requests the service refuses are reported in the error file; the rest
    /// become batch-priority jobs (idempotent per batch and custom_id, so a restart here creates no duplicates).
    /// </summary>
    async Task<Batch> ValidateAsync(Batch batch, CancellationToken cancellationToken)
    {
        await using var stream = await artifacts.OpenReadAsync(batch.InputFileId, cancellationToken).ConfigureAwait(false)
            ?? throw new InvalidOperationException($"The input file of batch {batch.Id} is missing.");
        using var buffer = new MemoryStream();
        await stream.CopyToAsync(buffer, cancellationToken).ConfigureAwait(false);
        var lines = Lines(buffer.ToArray());

        var errors = new List<BatchError>();
        var requests = new List<(string CustomId, JsonElement Request, int Line)>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (text, number) in lines)
        {
            try
            {
                using var doc = JsonDocument.Parse(text);
                var root = doc.RootElement;
                if (root.ValueKind != JsonValueKind.Object
                    || !root.TryGetProperty("custom_id", out var id) || id.ValueKind != JsonValueKind.String || string.IsNullOrWhiteSpace(id.GetString())
                    || !root.TryGetProperty("request", out var request) || request.ValueKind != JsonValueKind.Object)
                    errors.Add(new BatchError("invalid_line", "each line must be an object with a non-empty string custom_id and a request object", number));
                else if (id.GetString()!.Length > 256)
                    errors.Add(new BatchError("invalid_custom_id", "custom_id must be at most 256 characters", number));
                else if (!seen.Add(id.GetString()!))
                    errors.Add(new BatchError("duplicate_custom_id", $"custom_id '{id.GetString()}' appears more than once", number));
                else
                    requests.Add((id.GetString()!, request.Clone(), number));
            }
            catch (JsonException ex)
            {
                errors.Add(new BatchError("invalid_json", $"not JSON: {ex.Message}", number));
            }
        }
        var now = time.GetUtcNow();
        if (errors.Count > 0)
        {
            batch = batch with { Status = BatchStatus.Failed, FailedAt = now, Errors = errors.Take(100).ToList() };
            await batches.SaveAsync(batch, cancellationToken).ConfigureAwait(false);
            return batch;
        }

        var rejected = new List<BatchRejectedLine>();
        foreach (var (customId, request, _) in requests)
        {
            try
            {
                var submission = JobRequestParser.Parse(request, jobs.Kinds, JobPriority.Batch) with
                {
                    Owner = batch.Owner, IdempotencyKey = $"{batch.Id}:{customId}", BatchId = batch.Id, CustomId = customId,
                };
                await jobs.SubmitAsync(submission with { Priority = JobPriority.Batch }, cancellationToken).ConfigureAwait(false);
            }
            catch (JobRejectedException ex)
            {
                rejected.Add(new BatchRejectedLine(customId, Code(ex.Rejection), Describe(ex)));
            }
        }
        batch = batch with
        {
            Status = batch.Status == BatchStatus.Cancelling ? BatchStatus.Cancelling : BatchStatus.InProgress,
            InProgressAt = time.GetUtcNow(),
            Rejected = rejected,
            RequestCounts = new BatchRequestCounts(requests.Count, 0, rejected.Count),
        };
        await batches.SaveAsync(batch, cancellationToken).ConfigureAwait(false);
        return batch;
    }

    /// <summary>Counts the batch's jobs; cancels them when cancelling or expired; writes the files when all have ended.</summary>
    async Task<Batch> TrackAsync(Batch batch, CancellationToken cancellationToken)
    {
        var all = await JobsOfAsync(batch.Id, cancellationToken).ConfigureAwait(false);
        var now = time.GetUtcNow();
        bool expired = batch.Status == BatchStatus.InProgress && now >= batch.ExpiresAt;
        if (batch.Status == BatchStatus.Cancelling || expired)
        {
            foreach (var job in all.Where(j => !JobStateMachine.IsTerminal(j.Status)))
                await jobs.CancelAsync(job.Id, cancellationToken).ConfigureAwait(false);
            all = await JobsOfAsync(batch.Id, cancellationToken).ConfigureAwait(false);
        }
        int succeeded = all.Count(j => j.Status == JobStatus.Succeeded);
        int failed = batch.Rejected.Count + all.Count(j => j.Status is JobStatus.Failed or JobStatus.Cancelled);
        var counts = batch.RequestCounts with { Completed = succeeded, Failed = failed };
        if (!all.All(j => JobStateMachine.IsTerminal(j.Status)))
        {
            if (counts != batch.RequestCounts || expired)
            {
                batch = batch with { RequestCounts = counts };
                await batches.SaveAsync(batch, cancellationToken).ConfigureAwait(false);
            }
            return batch;
        }

        var ending = batch.Status == BatchStatus.Cancelling ? BatchStatus.Cancelled : now >= batch.ExpiresAt ? BatchStatus.Expired : BatchStatus.Completed;
        batch = batch with { Status = BatchStatus.Finalizing, FinalizingAt = batch.FinalizingAt ?? now, RequestCounts = counts };
        await batches.SaveAsync(batch, cancellationToken).ConfigureAwait(false);

        var output = new StringBuilder();
        var errors = new StringBuilder();
        foreach (var job in all.OrderBy(j => j.CreatedAt).ThenBy(j => j.Id, StringComparer.Ordinal))
        {
            if (job.Status == JobStatus.Succeeded)
                output.Append(JsonSerializer.Serialize(new BatchOutputLine(job.CustomId!, job.Id, "succeeded", job.Artifacts.Select(ArtifactRoutes.Url).ToList(), null), BatchLineJson.Default.BatchOutputLine)).Append('\n');
            else
                errors.Append(JsonSerializer.Serialize(new BatchOutputLine(job.CustomId!, job.Id, Name(job.Status), [],
                    new BatchLineError(Name(job.Status), job.FailureReason ?? "cancelled")), BatchLineJson.Default.BatchOutputLine)).Append('\n');
        }
        foreach (var line in batch.Rejected)
            errors.Append(JsonSerializer.Serialize(new BatchOutputLine(line.CustomId, null, "rejected", [], new BatchLineError(line.Code, line.Message)), BatchLineJson.Default.BatchOutputLine)).Append('\n');

        string? outputId = output.Length > 0 ? (await SaveFileAsync(batch, output, "output.jsonl", cancellationToken).ConfigureAwait(false)) : null;
        string? errorId = errors.Length > 0 ? (await SaveFileAsync(batch, errors, "errors.jsonl", cancellationToken).ConfigureAwait(false)) : null;
        var end = time.GetUtcNow();
        batch = batch with
        {
            Status = ending,
            OutputFileId = outputId,
            ErrorFileId = errorId,
            CompletedAt = ending == BatchStatus.Completed ? end : null,
            CancelledAt = ending == BatchStatus.Cancelled ? end : null,
            ExpiredAt = ending == BatchStatus.Expired ? end : null,
        };
        await batches.SaveAsync(batch, cancellationToken).ConfigureAwait(false);
        return batch;
    }

    async Task<List<Job>> JobsOfAsync(string batchId, CancellationToken cancellationToken)
    {
        var all = new List<Job>();
        string? after = null;
        while (true)
        {
            var page = await jobs.Store.ListAsync(new JobQuery(BatchId: batchId, Limit: 1000, After: after), cancellationToken).ConfigureAwait(false);
            all.AddRange(page.Jobs);
            if (!page.HasMore) return all;
            after = page.Jobs[^1].Id;
        }
    }

    async Task<string> SaveFileAsync(Batch batch, StringBuilder text, string name, CancellationToken cancellationToken) =>
        (await artifacts.SaveAsync(Encoding.UTF8.GetBytes(text.ToString()), new ArtifactInfo(JsonLines, Name: $"{batch.Id}-{name}"), cancellationToken).ConfigureAwait(false)).Id;

    static string Name(JobStatus status) => status.ToString().ToLowerInvariant();

    static string Code(JobRejection rejection) => rejection switch
    {
        JobRejection.Invalid => "invalid_request",
        JobRejection.UnknownModel => "model_not_found",
        JobRejection.ModelNotReady => "model_not_ready",
        JobRejection.IdempotencyConflict => "conflict",
        JobRejection.QueueFull => "queue_full",
        _ => "rejected",
    };

    static string Describe(JobRejectedException ex) => ex.Errors.Count == 0
        ? ex.Message
        : string.Join("; ", ex.Errors.Select(e => $"{e.Key} {string.Join(", ", e.Value)}"));

    public void Dispose()
    {
        _wake.Dispose();
        _gate.Dispose();
    }

    /// <summary>Non-blank lines with their 1-based numbers.</summary>
    static List<(string Text, int Number)> Lines(ReadOnlyMemory<byte> input)
    {
        var lines = new List<(string, int)>();
        using var reader = new StringReader(Encoding.UTF8.GetString(input.Span));
        int number = 0;
        for (string? line = reader.ReadLine(); line is not null; line = reader.ReadLine())
        {
            number++;
            if (!string.IsNullOrWhiteSpace(line)) lines.Add((line, number));
        }
        return lines;
    }
}
