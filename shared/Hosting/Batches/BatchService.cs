using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Media.Hosting.Artifacts;
using Media.Hosting.Files;
using Media.Hosting.Jobs;
using Media.Hosting.Queues;
using Media.Hosting.Models;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;

namespace Media.Hosting.Batches;

/// <summary>
/// Batch rendering: an uploaded JSONL file becomes batch-priority jobs; when all have ended, an output
/// file and an error file (one line per refused, failed or cancelled request) are written. Two line
/// formats share the engine: <c>/api/batches</c> lines <c>{"custom_id", "request": {job request}}</c>
/// (one job each; output lines with artifact URLs), and OpenAI's <c>{"custom_id", "method", "url", "body"}</c>
/// for the routes registered as <see cref="IBatchEndpoint"/> (the route's jobs; output lines with the
/// route's answer). Statuses follow OpenAI's Batch API. <see cref="BatchRunner"/> drives the batches forward.
/// </summary>
public sealed class BatchService(IBatchStore batches, JobService jobs, IArtifactStore artifacts, IFileStore files, IEnumerable<IBatchEndpoint> endpoints,
    IJobQueues queues, ModelCatalog catalog, IOptions<JobsOptions> options, TimeProvider time) : IDisposable
{
    public const string JsonLines = "application/jsonl";
    /// <summary>The endpoint of <c>/api/batches</c> batches: every line is a job request.</summary>
    public const string JobsEndpoint = "/api/jobs";
    public static readonly TimeSpan CompletionWindow = TimeSpan.FromHours(24);

    readonly Dictionary<string, IBatchEndpoint> endpoints = endpoints.ToDictionary(e => e.Url, StringComparer.Ordinal);

    /// <summary>The OpenAI routes whose requests a batch can hold.</summary>
    public IReadOnlyCollection<string> Endpoints => endpoints.Keys;

    readonly SemaphoreSlim wake = new(0);
    // The runner and cancel requests both rewrite a batch; one at a time, so neither undoes the other.
    readonly SemaphoreSlim gate = new(1, 1);

    /// <summary>Released whenever there is new batch work, so the runner does not wait for its next tick.</summary>
    internal SemaphoreSlim Wake => wake;

    public IBatchStore Store => batches;

    /// <summary>
    /// Stores the input file and creates the batch (validating). Refuses (JobRejectedException Invalid)
    /// a file that is empty or has more lines than allowed, and (QueueFull) one whose jobs do not fit
    /// in the batch lanes of their families' queues.
    /// </summary>
    public async Task<Batch> CreateAsync(string owner, ReadOnlyMemory<byte> input, CancellationToken cancellationToken)
    {
        int count = await CheckInputAsync(input, cancellationToken).ConfigureAwait(false);
        var file = await artifacts.SaveAsync(input, new ArtifactInfo(JsonLines, Name: "input.jsonl"), cancellationToken).ConfigureAwait(false);
        var now = time.GetUtcNow();
        return await StartAsync(new Batch
        {
            Id = Batch.NewId(), Owner = owner, Status = BatchStatus.Validating, InputFileId = file.Id, CreatedAt = now, ExpiresAt = now + CompletionWindow,
            RequestCounts = new BatchRequestCounts(count, 0, 0),
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Creates an OpenAI batch over an uploaded file whose lines call <paramref name="endpoint"/>; its output
    /// and error files become <c>/v1/files</c> files. Refuses as the other overload does, and an endpoint
    /// that is not registered (Invalid "endpoint") or a file whose content is gone (Invalid "file").
    /// </summary>
    public async Task<Batch> CreateAsync(string owner, StoredFile input, string endpoint, IReadOnlyDictionary<string, string>? metadata, string? origin,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(input);
        if (!endpoints.ContainsKey(endpoint))
            throw JobRejectedException.Invalid("endpoint", $"must be one of {string.Join(", ", endpoints.Keys)}; got '{endpoint}'");
        byte[] content = await ReadArtifactAsync(input.ArtifactId, cancellationToken).ConfigureAwait(false)
            ?? throw JobRejectedException.Invalid("file", "has no content any more");
        int count = await CheckInputAsync(content, cancellationToken).ConfigureAwait(false);
        var now = time.GetUtcNow();
        return await StartAsync(new Batch
        {
            Id = Batch.NewId(), Owner = owner, Status = BatchStatus.Validating, Endpoint = endpoint, InputFileId = input.ArtifactId,
            Files = new BatchFiles(input.Id), Metadata = metadata, Origin = origin, CreatedAt = now, ExpiresAt = now + CompletionWindow,
            RequestCounts = new BatchRequestCounts(count, 0, 0),
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The number of request lines; refuses an empty or too long file and one that does not fit in the batch queues.</summary>
    async Task<int> CheckInputAsync(ReadOnlyMemory<byte> input, CancellationToken cancellationToken)
    {
        var lines = Lines(input);
        if (lines.Count == 0) throw JobRejectedException.Invalid("file", "has no request lines");
        if (lines.Count > options.Value.MaxBatchRequests)
            throw JobRejectedException.Invalid("file", $"has {lines.Count} requests; at most {options.Value.MaxBatchRequests} are allowed");
        foreach (var family in catalog.List().Select(m => m.Family).Distinct(StringComparer.Ordinal))
        {
            if (!await queues.For(family).HasRoomAsync(JobPriority.Batch, Math.Min(lines.Count, options.Value.BatchQueueCapacity), cancellationToken).ConfigureAwait(false))
                throw new JobRejectedException(JobRejection.QueueFull, $"The {family} batch queue is full; try again later.",
                    retryAfter: TimeSpan.FromSeconds(options.Value.RetryAfterSeconds));
        }
        return lines.Count;
    }

    async Task<Batch> StartAsync(Batch batch, CancellationToken cancellationToken)
    {
        await batches.SaveAsync(batch, cancellationToken).ConfigureAwait(false);
        wake.Release();
        return batch;
    }

    /// <summary>Asks a batch to stop: its unfinished jobs are cancelled and it ends as cancelled. A finished batch is returned as it is.</summary>
    public async Task<Batch?> CancelAsync(string id, CancellationToken cancellationToken)
    {
        await gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try { return await CancelCoreAsync(id, cancellationToken).ConfigureAwait(false); }
        finally { gate.Release(); }
    }

    async Task<Batch?> CancelCoreAsync(string id, CancellationToken cancellationToken)
    {
        var batch = await batches.GetAsync(id, cancellationToken).ConfigureAwait(false);
        if (batch is null || batch.IsFinished || batch.Status is BatchStatus.Cancelling or BatchStatus.Finalizing) return batch;
        batch = batch with { Status = BatchStatus.Cancelling, CancellingAt = time.GetUtcNow() };
        await batches.SaveAsync(batch, cancellationToken).ConfigureAwait(false);
        wake.Release();
        return batch;
    }

    /// <summary>Moves one batch as far as it can go now; returns it as saved.</summary>
    internal async Task<Batch> AdvanceAsync(string id, CancellationToken cancellationToken)
    {
        await gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var batch = await batches.GetAsync(id, cancellationToken).ConfigureAwait(false)
                ?? throw new KeyNotFoundException($"No batch with id '{id}'.");
            return await AdvanceCoreAsync(batch, cancellationToken).ConfigureAwait(false);
        }
        finally { gate.Release(); }
    }

    async Task<Batch> AdvanceCoreAsync(Batch batch, CancellationToken cancellationToken)
    {
        if (batch.Status == BatchStatus.Validating) batch = await ValidateAsync(batch, cancellationToken).ConfigureAwait(false);
        if (batch.Status is BatchStatus.InProgress or BatchStatus.Cancelling or BatchStatus.Finalizing)
            batch = await TrackAsync(batch, cancellationToken).ConfigureAwait(false);
        return batch;
    }

    /// <summary>
    /// Reads every line; a line of the wrong shape or a repeated custom_id fails the whole batch (nothing
    /// runs). Requests the service refuses are reported in the error file; the rest become batch-priority
    /// jobs (idempotent per batch, custom_id and job index, so a restart here creates no duplicates).
    /// </summary>
    async Task<Batch> ValidateAsync(Batch batch, CancellationToken cancellationToken)
    {
        var (requests, errors) = await ReadRequestsAsync(batch, cancellationToken).ConfigureAwait(false);
        if (errors.Count > 0)
        {
            batch = batch with { Status = BatchStatus.Failed, FailedAt = time.GetUtcNow(), Errors = errors.Take(100).ToList() };
            await batches.SaveAsync(batch, cancellationToken).ConfigureAwait(false);
            return batch;
        }

        var rejected = new List<BatchRejectedLine>();
        foreach (var request in requests)
        {
            if (await SubmitAsync(batch, request, cancellationToken).ConfigureAwait(false) is { } refusal) rejected.Add(refusal);
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

    /// <summary>Submits the jobs of one request; returns why it was refused, or null. A request refused halfway has its submitted jobs cancelled.</summary>
    async Task<BatchRejectedLine?> SubmitAsync(Batch batch, BatchRequest request, CancellationToken cancellationToken)
    {
        bool openAi = batch.Endpoint != JobsEndpoint;
        var endpoint = openAi ? endpoints.GetValueOrDefault(batch.Endpoint) : null;
        if (openAi && endpoint is null)
            return new BatchRejectedLine(request.CustomId, "unknown_url", $"This service does not serve {batch.Endpoint} any more.", StatusCodes.Status404NotFound);
        IReadOnlyList<JobSubmission> planned;
        try
        {
            if (endpoint is null) planned = [JobRequestParser.Parse(request.Payload, jobs.Kinds, JobPriority.Batch)];
            else
            {
                var plan = endpoint.Plan(request.Payload, batch.Owner);
                if (plan.Failure is { } failure) return Rejected(request.CustomId, failure);
                planned = plan.Jobs;
            }
        }
        catch (JobRejectedException ex)
        {
            return new BatchRejectedLine(request.CustomId, Code(ex.Rejection), Describe(ex));
        }

        var submitted = new List<string>();
        for (int i = 0; i < planned.Count; i++)
        {
            // /api/batches keys stay as they were (one job per line), so batches stored before OpenAI lines existed resume alike.
            string key = openAi ? $"{batch.Id}:{request.CustomId}:{i}" : $"{batch.Id}:{request.CustomId}";
            try
            {
                var result = await jobs.SubmitAsync(planned[i] with
                {
                    Priority = JobPriority.Batch, Owner = batch.Owner, IdempotencyKey = key, BatchId = batch.Id, CustomId = request.CustomId,
                }, cancellationToken).ConfigureAwait(false);
                submitted.Add(result.Job.Id);
            }
            catch (JobRejectedException ex)
            {
                foreach (string id in submitted) await jobs.CancelAsync(id, cancellationToken).ConfigureAwait(false);
                return endpoint is null ? new BatchRejectedLine(request.CustomId, Code(ex.Rejection), Describe(ex)) : Rejected(request.CustomId, endpoint.Refused(ex));
            }
        }
        return null;
    }

    static BatchRejectedLine Rejected(string customId, BatchLineFailure failure) =>
        new(customId, failure.Code, failure.Message, failure.StatusCode, failure.Type, failure.Param);

    /// <summary>One request line of the input: its custom_id, its job request or route body, and its 1-based line number.</summary>
    sealed record BatchRequest(string CustomId, JsonElement Payload, int Line);

    /// <summary>The input's requests, or what is wrong with its lines.</summary>
    async Task<(List<BatchRequest> Requests, List<BatchError> Errors)> ReadRequestsAsync(Batch batch, CancellationToken cancellationToken)
    {
        byte[] input = await ReadArtifactAsync(batch.InputFileId, cancellationToken).ConfigureAwait(false)
            ?? throw new InvalidOperationException($"The input file of batch {batch.Id} is missing.");
        bool openAi = batch.Endpoint != JobsEndpoint;
        var errors = new List<BatchError>();
        var requests = new List<BatchRequest>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (text, number) in Lines(input))
        {
            try
            {
                using var doc = JsonDocument.Parse(text);
                var root = doc.RootElement;
                // A lone surrogate escape anywhere in the line (custom_id, body) made storing the batch throw on every
                // tick, so it stayed validating for ever (fuzz findings 4 and 5, docs/SECURITY.md): the line is refused here.
                if (JsonText.FindMalformed(root, "line") is { } malformed)
                {
                    errors.Add(new BatchError("invalid_text", $"{malformed} {JsonText.Problem}", number, malformed == "line" ? null : malformed[(malformed.IndexOf('.') + 1)..]));
                    continue;
                }
                if (root.ValueKind != JsonValueKind.Object
                    || !root.TryGetProperty("custom_id", out var id) || id.ValueKind != JsonValueKind.String || string.IsNullOrWhiteSpace(id.GetString()))
                {
                    errors.Add(openAi
                        ? new BatchError("invalid_request", "each line must be an object with a non-empty string custom_id, method, url and body", number, "custom_id")
                        : new BatchError("invalid_line", "each line must be an object with a non-empty string custom_id and a request object", number));
                    continue;
                }
                string customId = id.GetString()!;
                if (customId.Length > 256) errors.Add(new BatchError("invalid_custom_id", "custom_id must be at most 256 characters", number, "custom_id"));
                else if (!seen.Add(customId)) errors.Add(new BatchError("duplicate_custom_id", $"custom_id '{customId}' appears more than once", number, "custom_id"));
                else if (openAi)
                {
                    if (!root.TryGetProperty("method", out var method) || method.ValueKind != JsonValueKind.String || method.GetString() != "POST")
                        errors.Add(new BatchError("invalid_method", "method must be POST", number, "method"));
                    else if (!root.TryGetProperty("url", out var url) || url.ValueKind != JsonValueKind.String || url.GetString() != batch.Endpoint)
                        errors.Add(new BatchError("mismatched_url", $"url must be the batch's endpoint, {batch.Endpoint}", number, "url"));
                    else if (!root.TryGetProperty("body", out var body) || body.ValueKind != JsonValueKind.Object)
                        errors.Add(new BatchError("invalid_body", "body must be a JSON object (the request the url takes)", number, "body"));
                    else requests.Add(new BatchRequest(customId, body.Clone(), number));
                }
                else if (!root.TryGetProperty("request", out var request) || request.ValueKind != JsonValueKind.Object)
                    errors.Add(new BatchError("invalid_line", "each line must be an object with a non-empty string custom_id and a request object", number));
                else requests.Add(new BatchRequest(customId, request.Clone(), number));
            }
            catch (JsonException ex)
            {
                errors.Add(new BatchError("invalid_json", $"not JSON: {ex.Message}", number));
            }
        }
        return (requests, errors);
    }

    /// <summary>Counts the batch's requests; cancels their jobs when cancelling or expired; writes the files when all jobs have ended.</summary>
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
        // A request counts once however many jobs it made (an image request with n = 4 makes four); the jobs of a
        // request refused halfway were cancelled and do not count again.
        var refused = batch.Rejected.Select(r => r.CustomId).ToHashSet(StringComparer.Ordinal);
        var requests = all.Where(j => !refused.Contains(j.CustomId!)).GroupBy(j => j.CustomId!, StringComparer.Ordinal).ToList();
        int succeeded = requests.Count(g => g.All(j => j.Status == JobStatus.Succeeded));
        int failed = batch.Rejected.Count + requests.Count(g => g.Any(j => j.Status is JobStatus.Failed or JobStatus.Cancelled));
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

        var (output, errors) = batch.Endpoint == JobsEndpoint
            ? JobLines(batch, all)
            : await ResponseLinesAsync(batch, all, ending, cancellationToken).ConfigureAwait(false);
        string? outputId = output.Length > 0 ? (await SaveFileAsync(batch, output, "output.jsonl", cancellationToken).ConfigureAwait(false)) : null;
        string? errorId = errors.Length > 0 ? (await SaveFileAsync(batch, errors, "errors.jsonl", cancellationToken).ConfigureAwait(false)) : null;
        var end = time.GetUtcNow();
        batch = batch with
        {
            Status = ending,
            OutputFileId = outputId,
            ErrorFileId = errorId,
            Files = batch.Files is null ? null : await PublishAsync(batch, outputId, errorId, end, cancellationToken).ConfigureAwait(false),
            CompletedAt = ending == BatchStatus.Completed ? end : null,
            CancelledAt = ending == BatchStatus.Cancelled ? end : null,
            ExpiredAt = ending == BatchStatus.Expired ? end : null,
        };
        await batches.SaveAsync(batch, cancellationToken).ConfigureAwait(false);
        return batch;
    }

    /// <summary>The <c>/api/batches</c> files: a line per job (artifact URLs when it succeeded), then a line per refused request.</summary>
    static (StringBuilder Output, StringBuilder Errors) JobLines(Batch batch, List<Job> all)
    {
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
            errors.Append(JsonSerializer.Serialize(new BatchOutputLine(line.CustomId, null, "rejected", [], new BatchLineError(line.Code ?? "rejected", line.Message)), BatchLineJson.Default.BatchOutputLine)).Append('\n');
        return (output, errors);
    }

    /// <summary>
    /// The OpenAI files, in input order: the route's 200 answer for a request whose jobs all succeeded (output
    /// file); the route's error answer for one refused (its 4xx) or failed (500); and for one cancelled before it
    /// finished, no response and an error saying why (error file).
    /// </summary>
    async Task<(StringBuilder Output, StringBuilder Errors)> ResponseLinesAsync(Batch batch, List<Job> all, BatchStatus ending, CancellationToken cancellationToken)
    {
        var output = new StringBuilder();
        var errors = new StringBuilder();
        var endpoint = endpoints.GetValueOrDefault(batch.Endpoint);
        var (requests, _) = await ReadRequestsAsync(batch, cancellationToken).ConfigureAwait(false);
        var refused = batch.Rejected.ToDictionary(r => r.CustomId, StringComparer.Ordinal);
        var jobsOf = all.GroupBy(j => j.CustomId!, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.OrderBy(JobIndex).ToList(), StringComparer.Ordinal);
        foreach (var request in requests)
        {
            string lineId = "batch_req_" + Digest(batch.Id, request.CustomId);
            void Write(StringBuilder file, BatchResponse? response, BatchLineError? error) =>
                file.Append(JsonSerializer.Serialize(new BatchResponseLine(lineId, request.CustomId, response, error), BatchLineJson.Default.BatchResponseLine)).Append('\n');
            BatchResponse Failure(string requestId, int status, string type, string? code, string message, string? param = null) =>
                new(status, requestId, ErrorBody(message, type, param, code));

            if (refused.TryGetValue(request.CustomId, out var rejected))
            {
                Write(errors, Failure("req_" + Digest(lineId), rejected.StatusCode, rejected.Type, rejected.Code, rejected.Message, rejected.Param), null);
                continue;
            }
            var made = jobsOf.GetValueOrDefault(request.CustomId) ?? [];
            string requestId = made.Count > 0 ? made[0].Id : "req_" + Digest(lineId);
            if (made.Count == 0 || endpoint is null)
            {
                Write(errors, Failure(requestId, StatusCodes.Status500InternalServerError, "server_error", "generation_failed", "No job was made for this request."), null);
            }
            else if (made.FirstOrDefault(j => j.Status == JobStatus.Failed) is { } failedJob)
            {
                Write(errors, Failure(requestId, StatusCodes.Status500InternalServerError, "server_error", "generation_failed",
                    $"Generation failed: {failedJob.FailureReason ?? "no reason recorded"}"), null);
            }
            else if (made.Any(j => j.Status != JobStatus.Succeeded))
            {
                var (code, message) = ending switch
                {
                    BatchStatus.Expired => ("batch_expired", "This request could not be executed before the completion window expired."),
                    BatchStatus.Cancelled => ("batch_cancelled", "This request was not executed because the batch was cancelled."),
                    _ => ("cancelled", "A job of this request was cancelled."),
                };
                Write(errors, null, new BatchLineError(code, message));
            }
            else
            {
                try
                {
                    var body = await endpoint.RespondAsync(request.Payload, made, batch, cancellationToken).ConfigureAwait(false);
                    Write(output, new BatchResponse(StatusCodes.Status200OK, requestId, body), null);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    Write(errors, Failure(requestId, StatusCodes.Status500InternalServerError, "server_error", "generation_failed", $"The answer could not be made: {ex.Message}"), null);
                }
            }
        }
        return (output, errors);
    }

    /// <summary>The output and error artifacts as <c>/v1/files</c> files (batch_output); their ids follow from the batch's, so finishing again after a restart rewrites the same records.</summary>
    async Task<BatchFiles> PublishAsync(Batch batch, string? outputId, string? errorId, DateTimeOffset at, CancellationToken cancellationToken)
    {
        async Task<string?> PublishOneAsync(string? artifactId, string name)
        {
            if (artifactId is null || await artifacts.GetAsync(artifactId, cancellationToken).ConfigureAwait(false) is not { } artifact) return null;
            var file = new StoredFile
            {
                Id = "file-" + Digest(batch.Id, name), Owner = batch.Owner, Purpose = FilePurposes.BatchOutput, Filename = $"{batch.Id}_{name}.jsonl",
                ArtifactId = artifactId, Bytes = artifact.Length, CreatedAt = at,
            };
            await files.SaveAsync(file, cancellationToken).ConfigureAwait(false);
            return file.Id;
        }
        return batch.Files! with
        {
            Output = await PublishOneAsync(outputId, "output").ConfigureAwait(false),
            Error = await PublishOneAsync(errorId, "error").ConfigureAwait(false),
        };
    }

    /// <summary>OpenAI's error body, <c>{"error": {"message", "type", "param", "code"}}</c>.</summary>
    static JsonElement ErrorBody(string message, string type, string? param, string? code) =>
        JsonSerializer.SerializeToElement(new JsonObject
        {
            ["error"] = new JsonObject { ["message"] = message, ["type"] = type, ["param"] = param, ["code"] = code },
        }, JsonNodeJson.Default.JsonObject);

    /// <summary>The position of a job in its request (the last part of its idempotency key).</summary>
    static int JobIndex(Job job) =>
        job.IdempotencyKey is { } key && int.TryParse(key.AsSpan(key.LastIndexOf(':') + 1), System.Globalization.CultureInfo.InvariantCulture, out int i) ? i : 0;

    /// <summary>32 hex digits that follow from the parts (stable ids for lines and files).</summary>
    static string Digest(params string[] parts) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(string.Join('\n', parts))))[..32];

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

    async Task<byte[]?> ReadArtifactAsync(string id, CancellationToken cancellationToken)
    {
        await using var stream = await artifacts.OpenReadAsync(id, cancellationToken).ConfigureAwait(false);
        if (stream is null) return null;
        using var buffer = new MemoryStream();
        await stream.CopyToAsync(buffer, cancellationToken).ConfigureAwait(false);
        return buffer.ToArray();
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
        wake.Dispose();
        gate.Dispose();
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
