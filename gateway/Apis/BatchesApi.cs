using System.Text.Json;
using Media.Hosting;
using Media.Hosting.Artifacts;
using Media.Hosting.Batches;
using Media.Hosting.Jobs;
using Microsoft.Extensions.Options;

namespace Media.Gateway.Apis;

internal static class BatchesApi
{
    /// <summary><c>/api/batches</c>: upload a JSONL file of requests, follow the batch, fetch its output and error files.</summary>
    public static IEndpointRouteBuilder MapBatchesApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/batches").WithTags("Batches");
        group.MapPost("", Create).WithName("CreateBatch")
            .WithSummary("Upload JSONL lines {custom_id, request} (raw body, or multipart field 'file'); 202 with the batch")
            .Accepts<string>("application/jsonl", "application/x-ndjson", "multipart/form-data")
            .Produces<BatchView>(StatusCodes.Status202Accepted).ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge).ProducesProblem(StatusCodes.Status429TooManyRequests);
        group.MapGet("", List).WithName("ListBatches").Produces<BatchList>().ProducesValidationProblem();
        group.MapGet("/{id}", Get).WithName("GetBatch").Produces<BatchView>().ProducesProblem(StatusCodes.Status404NotFound);
        group.MapPost("/{id}/cancel", Cancel).WithName("CancelBatch")
            .WithSummary("Cancel the batch's unfinished jobs; the batch ends as cancelled with its files")
            .Produces<BatchView>().ProducesProblem(StatusCodes.Status404NotFound);
        return app;
    }

    static async Task<IResult> Create(HttpContext context, BatchService batches, IOptions<JobsOptions> options, string? completionWindow, CancellationToken cancellationToken)
    {
        if (completionWindow is not null && completionWindow != "24h") return Problems.Invalid("completion_window", "must be 24h");
        byte[]? input;
        if (context.Request.HasFormContentType)
        {
            if (context.Request.ContentLength > options.Value.MaxBatchBytes)
                return Problems.Problem(StatusCodes.Status413PayloadTooLarge, "Request too large", $"The file may be at most {options.Value.MaxBatchBytes} bytes.");
            IFormCollection form;
            try { form = await context.Request.ReadFormAsync(cancellationToken); }
            // A body cut before its closing boundary ends in IOException, not InvalidDataException (fuzz finding 2, docs/SECURITY.md).
            catch (Exception ex) when (ex is InvalidDataException or IOException && !cancellationToken.IsCancellationRequested)
            {
                return Problems.Invalid("body", $"is not a valid form: {ex.Message}");
            }
            if (form.Files.GetFile("file") is not { } file) return Problems.Invalid("file", "is required (a JSONL file)");
            if (file.Length > options.Value.MaxBatchBytes)
                return Problems.Problem(StatusCodes.Status413PayloadTooLarge, "Request too large", $"The file may be at most {options.Value.MaxBatchBytes} bytes.");
            using var buffer = new MemoryStream();
            await file.CopyToAsync(buffer, cancellationToken);
            input = buffer.ToArray();
        }
        else
        {
            var (body, error) = await Problems.ReadBodyAsync(context.Request, options.Value.MaxBatchBytes, cancellationToken);
            if (error is not null) return error;
            input = body;
        }
        try
        {
            var batch = await batches.CreateAsync(Caller.Owner(context), input!, cancellationToken);
            return TypedResults.Accepted($"/api/batches/{batch.Id}", BatchView.Of(batch));
        }
        catch (JobRejectedException rejected)
        {
            return Problems.From(rejected, context);
        }
    }

    static async Task<IResult> Get(HttpContext context, string id, BatchService batches, CancellationToken cancellationToken) =>
        await FindAsync(context, batches, id, cancellationToken) is { } batch ? TypedResults.Ok(BatchView.Of(batch)) : Problems.NotFound("Batch", id);

    /// <summary>The batch when the caller may see it (its owner, or an admin); another owner's batch is not found.</summary>
    internal static async Task<Batch?> FindAsync(HttpContext context, BatchService batches, string id, CancellationToken cancellationToken) =>
        await batches.Store.GetAsync(id, cancellationToken) is { } batch && await Caller.MaySeeAsync(context, batch.Owner) ? batch : null;

    static async Task<IResult> List(HttpContext context, BatchService batches, int? limit, string? after, CancellationToken cancellationToken)
    {
        if (limit is < 1 or > 100) return Problems.Invalid("limit", "must be within 1..100");
        string? owner = Caller.IsAdmin(context.User) ? null : Caller.Owner(context);
        var (page, more) = await batches.Store.ListAsync(limit ?? 20, after, owner, cancellationToken);
        var views = page.Select(BatchView.Of).ToList();
        return TypedResults.Ok(new BatchList(views, more, views.Count > 0 ? views[^1].Id : null));
    }

    static async Task<IResult> Cancel(HttpContext context, string id, BatchService batches, CancellationToken cancellationToken) =>
        await FindAsync(context, batches, id, cancellationToken) is not null && await batches.CancelAsync(id, cancellationToken) is { } batch
            ? TypedResults.Ok(BatchView.Of(batch))
            : Problems.NotFound("Batch", id);

    /// <summary>A batch in the shape of OpenAI's batch object (statuses, request_counts, file ids), plus file URLs.</summary>
    internal sealed record BatchView(
        string Id, string Object, string Endpoint, string Status, string InputFileId, string? OutputFileId, string? ErrorFileId,
        string? OutputFileUrl, string? ErrorFileUrl, string CompletionWindow, BatchRequestCounts RequestCounts, BatchErrors? Errors,
        DateTimeOffset CreatedAt, DateTimeOffset ExpiresAt, DateTimeOffset? InProgressAt, DateTimeOffset? FinalizingAt, DateTimeOffset? CompletedAt,
        DateTimeOffset? FailedAt, DateTimeOffset? ExpiredAt, DateTimeOffset? CancellingAt, DateTimeOffset? CancelledAt)
    {
        public static BatchView Of(Batch b) => new(
            b.Id, "batch", b.Endpoint, JsonNamingPolicy.SnakeCaseLower.ConvertName(b.Status.ToString()), b.InputFileId, b.OutputFileId, b.ErrorFileId,
            b.OutputFileId is { } o ? ArtifactRoutes.Url(o) : null, b.ErrorFileId is { } e ? ArtifactRoutes.Url(e) : null,
            b.CompletionWindow, b.RequestCounts, b.Errors.Count > 0 ? new BatchErrors("list", b.Errors) : null,
            b.CreatedAt, b.ExpiresAt, b.InProgressAt, b.FinalizingAt, b.CompletedAt, b.FailedAt, b.ExpiredAt, b.CancellingAt, b.CancelledAt);
    }

    internal sealed record BatchErrors(string Object, IReadOnlyList<BatchError> Data);

    internal sealed record BatchList(IReadOnlyList<BatchView> Data, bool HasMore, string? LastId);
}
