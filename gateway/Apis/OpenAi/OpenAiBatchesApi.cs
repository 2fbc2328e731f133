using System.Text.Json;
using Media.Hosting;
using Media.Hosting.Batches;
using Media.Hosting.Files;
using Media.Hosting.Jobs;
using Microsoft.Extensions.Options;

namespace Media.Gateway.Apis.OpenAi;

/// <summary>
/// <c>/v1/batches</c>: OpenAI's Batch API on the batch engine of <c>/api/batches</c>. The input is a
/// <c>/v1/files</c> upload of <c>{custom_id, method, url, body}</c> lines for one endpoint; the output and
/// error files are <c>/v1/files</c> files of <c>{id, custom_id, response: {status_code, request_id, body}, error}</c>
/// lines. Times are Unix seconds.
/// </summary>
internal static class OpenAiBatchesApi
{
    public const int MaxMetadataPairs = 16;

    public static RouteGroupBuilder MapOpenAiBatchesApi(this RouteGroupBuilder v1)
    {
        v1.MapPost("/batches", Create).WithName("OpenAiCreateBatch")
            .WithSummary("Start a batch over an uploaded file (endpoint /v1/images/generations or /v1/audio/speech, completion_window 24h)")
            .Produces<OpenAiBatch>();
        v1.MapGet("/batches", List).WithName("OpenAiListBatches").Produces<BatchList>();
        v1.MapGet("/batches/{id}", Get).WithName("OpenAiGetBatch").Produces<OpenAiBatch>();
        v1.MapPost("/batches/{id}/cancel", Cancel).WithName("OpenAiCancelBatch")
            .WithSummary("Cancel the batch's unfinished requests; it ends as cancelled with the files of what finished").Produces<OpenAiBatch>();
        return v1;
    }

    static async Task<IResult> Create(HttpContext context, BatchService batches, IFileStore files, IOptions<JobsOptions> options, CancellationToken cancellationToken)
    {
        var (body, bodyError) = await OpenAiApi.ReadJsonAsync(context, options.Value.MaxRequestBytes, cancellationToken);
        if (bodyError is not null) return bodyError;
        using (body)
        {
            var root = body!.RootElement;
            var fields = new RequestFields(root);
            if (!fields.IsObject) return OpenAiError.Invalid(context, null, "The request body must be a JSON object");
            string? inputFileId = fields.String("input_file_id", required: true);
            string? endpoint = fields.String("endpoint", required: true);
            string? window = fields.String("completion_window", required: true);
            fields.Accept("metadata");
            fields.RefuseUnknown();
            if (endpoint is not null && !batches.Endpoints.Contains(endpoint))
                fields.Fail("endpoint", $"endpoint '{endpoint}' is not available here; use one of {string.Join(", ", batches.Endpoints.Select(e => $"'{e}'"))}");
            if (window is not null && window != "24h") fields.Fail("completion_window", $"'completion_window' must be '24h'; got '{window}'");
            var metadata = Metadata(root, fields);
            if (fields.Problem is { } problem) return OpenAiError.Invalid(context, problem.Param, problem.Message);

            if (await FilesApi.FindAsync(context, files, inputFileId!, cancellationToken) is not { } input)
                return new OpenAiError($"No such File object: {inputFileId}", OpenAiError.InvalidRequest, "input_file_id", null).ToResult(StatusCodes.Status404NotFound, context);
            if (input.Purpose != FilePurposes.Batch)
                return OpenAiError.Invalid(context, "input_file_id", $"File {input.Id} has purpose '{input.Purpose}'; a batch reads a file uploaded with purpose 'batch'");
            try
            {
                string origin = $"{context.Request.Scheme}://{context.Request.Host}{context.Request.PathBase}";
                var batch = await batches.CreateAsync(Caller.Owner(context), input, endpoint!, metadata, origin, cancellationToken);
                return TypedResults.Ok(OpenAiBatch.Of(batch));
            }
            catch (JobRejectedException rejected)
            {
                return OpenAiError.FromRejection(context, rejected, p => p == "file" ? "input_file_id" : p);
            }
        }
    }

    /// <summary>OpenAI's metadata: at most 16 pairs, keys up to 64 characters, string values up to 512.</summary>
    static Dictionary<string, string>? Metadata(JsonElement root, RequestFields fields)
    {
        if (!root.TryGetProperty("metadata", out var metadata) || metadata.ValueKind == JsonValueKind.Null) return null;
        if (metadata.ValueKind != JsonValueKind.Object) { fields.Fail("metadata", "'metadata' must be an object of string values"); return null; }
        var pairs = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var pair in metadata.EnumerateObject())
        {
            if (pair.Value.ValueKind != JsonValueKind.String) { fields.Fail("metadata", $"metadata '{pair.Name}' must be a string"); return null; }
            if (pair.Name.Length > 64 || pair.Value.GetString()!.Length > 512)
            { fields.Fail("metadata", "metadata keys may have at most 64 characters and values at most 512"); return null; }
            pairs[pair.Name] = pair.Value.GetString()!;
        }
        if (pairs.Count > MaxMetadataPairs) { fields.Fail("metadata", $"metadata may hold at most {MaxMetadataPairs} pairs"); return null; }
        return pairs;
    }

    static async Task<IResult> Get(string id, HttpContext context, BatchService batches, CancellationToken cancellationToken) =>
        await FindAsync(context, id, batches, cancellationToken) is { } batch ? TypedResults.Ok(OpenAiBatch.Of(batch)) : OpenAiError.NotFound(context, "Batch", id);

    static async Task<IResult> List(HttpContext context, BatchService batches, int? limit, string? after, CancellationToken cancellationToken)
    {
        if (limit is < 1 or > 100) return OpenAiError.Invalid(context, "limit", $"'limit' must be within 1..100; got {limit}");
        var (page, more) = await batches.Store.ListAsync(limit ?? 20, after, Caller.IsAdmin(context.User) ? null : Caller.Owner(context), cancellationToken, openAiOnly: true);
        var data = page.Select(OpenAiBatch.Of).ToList();
        return TypedResults.Ok(new BatchList(data, data.Count > 0 ? data[0].Id : null, data.Count > 0 ? data[^1].Id : null, more));
    }

    static async Task<IResult> Cancel(string id, HttpContext context, BatchService batches, CancellationToken cancellationToken)
    {
        if (await FindAsync(context, id, batches, cancellationToken) is null) return OpenAiError.NotFound(context, "Batch", id);
        var batch = await batches.CancelAsync(id, cancellationToken);
        return TypedResults.Ok(OpenAiBatch.Of(batch!));
    }

    /// <summary>A batch made through <c>/v1/batches</c> (an <c>/api/batches</c> batch has no <c>/v1/files</c> files, so it is not one here)
    /// that the caller may see (its owner, or an admin).</summary>
    static async Task<Batch?> FindAsync(HttpContext context, string id, BatchService batches, CancellationToken cancellationToken) =>
        await batches.Store.GetAsync(id, cancellationToken) is { Files: not null } batch && await Caller.MaySeeAsync(context, batch.Owner) ? batch : null;

    /// <summary>OpenAI's batch object.</summary>
    internal sealed record OpenAiBatch(
        string Id, string Endpoint, ErrorList? Errors, string InputFileId, string CompletionWindow, string Status, string? OutputFileId, string? ErrorFileId,
        long CreatedAt, long? InProgressAt, long ExpiresAt, long? FinalizingAt, long? CompletedAt, long? FailedAt, long? ExpiredAt, long? CancellingAt,
        long? CancelledAt, RequestCounts RequestCounts, IReadOnlyDictionary<string, string>? Metadata)
    {
        public string Object { get; init; } = "batch";

        public static OpenAiBatch Of(Batch b) => new(
            b.Id, b.Endpoint, b.Errors.Count > 0 ? new ErrorList(b.Errors.Select(e => new LineError(e.Code, e.Message, e.Param, e.Line)).ToList()) : null,
            b.Files!.Input, b.CompletionWindow, JsonNamingPolicy.SnakeCaseLower.ConvertName(b.Status.ToString()), b.Files.Output, b.Files.Error,
            b.CreatedAt.ToUnixTimeSeconds(), Unix(b.InProgressAt), b.ExpiresAt.ToUnixTimeSeconds(), Unix(b.FinalizingAt), Unix(b.CompletedAt), Unix(b.FailedAt),
            Unix(b.ExpiredAt), Unix(b.CancellingAt), Unix(b.CancelledAt),
            new RequestCounts(b.RequestCounts.Total, b.RequestCounts.Completed, b.RequestCounts.Failed), b.Metadata);

        static long? Unix(DateTimeOffset? at) => at?.ToUnixTimeSeconds();
    }

    internal sealed record RequestCounts(int Total, int Completed, int Failed);

    internal sealed record LineError(string Code, string Message, string? Param, int? Line);

    internal sealed record ErrorList(IReadOnlyList<LineError> Data)
    {
        public string Object { get; init; } = "list";
    }

    internal sealed record BatchList(IReadOnlyList<OpenAiBatch> Data, string? FirstId, string? LastId, bool HasMore)
    {
        public string Object { get; init; } = "list";
    }
}
