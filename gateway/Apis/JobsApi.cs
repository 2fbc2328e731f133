using System.Globalization;
using System.Net.ServerSentEvents;
using System.Runtime.CompilerServices;
using Media.Hosting;
using Media.Hosting.Jobs;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;

namespace Media.Gateway.Apis;

internal static class JobsApi
{
    /// <summary><c>/api/jobs</c>: submit, read, list and cancel jobs; follow a job's events as server-sent events.</summary>
    public static IEndpointRouteBuilder MapJobsApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/jobs").WithTags("Jobs");
        group.MapPost("", Create).WithName("CreateJob")
            .WithSummary("Submit a job; 202 with its id and a Location to poll")
            .Accepts<JobRequestBody>("application/json")
            .Produces<JobView>(StatusCodes.Status202Accepted)
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge).ProducesProblem(StatusCodes.Status415UnsupportedMediaType)
            .ProducesProblem(StatusCodes.Status429TooManyRequests);
        group.MapGet("", List).WithName("ListJobs").WithSummary("Jobs, newest first, filtered and paged")
            .Produces<JobList>().ProducesValidationProblem();
        group.MapGet("/{id}", Get).WithName("GetJob").WithSummary("One job")
            .Produces<JobView>().ProducesProblem(StatusCodes.Status404NotFound);
        group.MapDelete("/{id}", Cancel).WithName("CancelJob")
            .WithSummary("Cancel: a queued job at once (200), a running one at its next step (202)")
            .Produces<JobView>().Produces<JobView>(StatusCodes.Status202Accepted)
            .ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict);
        group.MapGet("/{id}/events", Events).WithName("JobEvents")
            .WithSummary("The job's events as text/event-stream; resumes after Last-Event-ID; ends after the terminal event (at once when resumed at or past it); a ': heartbeat' comment while nothing happens")
            .Produces<JobEvent>(StatusCodes.Status200OK, "text/event-stream")
            .ProducesValidationProblem().ProducesProblem(StatusCodes.Status404NotFound);
        return app;
    }

    /// <summary>The request body of POST /api/jobs (documentation; the body is read and checked by hand for exact errors).</summary>
    internal sealed record JobRequestBody(string Kind, string Model, Dictionary<string, object> Parameters, string? Priority);

    static async Task<IResult> Create(HttpContext context, JobService jobs, IOptions<JobsOptions> options, CancellationToken cancellationToken)
    {
        string? key = context.Request.Headers[IdempotencyKeys.Header];
        if (IdempotencyKeys.Problem(key) is { } badKey) return Problems.Invalid(IdempotencyKeys.Header, badKey);
        var (document, error) = await Problems.ReadJsonAsync(context.Request, options.Value.MaxRequestBytes, cancellationToken);
        if (error is not null) return error;
        using var _ = document;
        try
        {
            var submission = JobRequestParser.Parse(document!.RootElement, jobs.Kinds) with { Owner = Caller.Owner(context), Quota = Caller.Quota(context.User), IdempotencyKey = key };
            var (job, created) = await jobs.SubmitAsync(submission, cancellationToken);
            if (!created) context.Response.Headers["Idempotent-Replayed"] = "true";
            return TypedResults.Accepted($"/api/jobs/{job.Id}", JobView.Of(job, await jobs.QueuePositionAsync(job, cancellationToken)));
        }
        catch (JobRejectedException rejected)
        {
            return Problems.From(rejected, context);
        }
    }

    static async Task<IResult> Get(HttpContext context, string id, JobService jobs, CancellationToken cancellationToken) =>
        await FindAsync(context, jobs, id, cancellationToken) is { } job
            ? TypedResults.Ok(JobView.Of(job, await jobs.QueuePositionAsync(job, cancellationToken)))
            : Problems.NotFound("Job", id);

    /// <summary>The job when the caller may see it; another owner's job is not found, as if it did not exist.</summary>
    static async Task<Job?> FindAsync(HttpContext context, JobService jobs, string id, CancellationToken cancellationToken) =>
        await jobs.GetAsync(id, cancellationToken) is { } job && await Caller.MaySeeAsync(context, job.Owner) ? job : null;

    static async Task<IResult> List(HttpContext context, JobService jobs, string? status, string? kind, string? model,
        [FromQuery(Name = "batch_id")] string? batchId, int? limit, string? after, CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, string[]>();
        JobStatus? statusFilter = null;
        if (status is not null)
        {
            if (Enum.TryParse<JobStatus>(status, ignoreCase: true, out var s) && status.All(char.IsAsciiLetterLower)) statusFilter = s;
            else errors["status"] = ["must be queued, running, succeeded, failed or cancelled"];
        }
        if (kind is not null && jobs.Kinds.Unknown(kind) is { } unknownKind) errors["kind"] = [unknownKind];
        if (model is not null && !JobRequestParser.IsModelId(model)) errors["model"] = ["is not a model id"];
        if (limit is < 1 or > 100) errors["limit"] = ["must be within 1..100"];
        if (after is not null && !IsJobId(after)) errors["after"] = ["must be a job id from a previous page"];
        if (errors.Count > 0) return TypedResults.ValidationProblem(errors, title: "The request has invalid fields");

        var page = await jobs.Store.ListAsync(new JobQuery(statusFilter, kind, model, Caller.IsAdmin(context.User) ? null : Caller.Owner(context), batchId, limit ?? 20, after), cancellationToken);
        var views = new List<JobView>(page.Jobs.Count);
        foreach (var j in page.Jobs) views.Add(JobView.Of(j, await jobs.QueuePositionAsync(j, cancellationToken)));
        return TypedResults.Ok(new JobList(views, page.HasMore, views.Count > 0 ? views[^1].Id : null));
    }

    static async Task<IResult> Cancel(HttpContext context, string id, JobService jobs, CancellationToken cancellationToken)
    {
        var before = await FindAsync(context, jobs, id, cancellationToken);
        if (before is null) return Problems.NotFound("Job", id);
        if (JobStateMachine.IsTerminal(before.Status))
            return Problems.Problem(StatusCodes.Status409Conflict, "Job already finished", $"Job '{id}' is {before.Status.ToString().ToLowerInvariant()}.");
        var job = await jobs.CancelAsync(id, cancellationToken);
        var view = JobView.Of(job, await jobs.QueuePositionAsync(job, cancellationToken));
        return job.Status == JobStatus.Cancelled ? TypedResults.Ok(view) : TypedResults.Accepted($"/api/jobs/{id}", view);
    }

    static async Task<IResult> Events(HttpContext context, string id, long? after, JobService jobs, IOptions<JobsOptions> options, CancellationToken cancellationToken)
    {
        long from = after ?? 0;
        string? lastEventId = context.Request.Headers["Last-Event-ID"];
        if (lastEventId is not null && !long.TryParse(lastEventId, NumberStyles.None, CultureInfo.InvariantCulture, out from))
            return Problems.Invalid("Last-Event-ID", "must be the sequence number of an event (a whole number)");
        if (from < 0) return Problems.Invalid("after", "must be 0 or more");
        if (await FindAsync(context, jobs, id, cancellationToken) is null) return Problems.NotFound("Job", id);
        context.Response.Headers.CacheControl = "no-cache";
        var heartbeat = TimeSpan.FromSeconds(options.Value.HeartbeatSeconds);
        return TypedResults.ServerSentEvents(Items(jobs, id, from, cancellationToken).WithHeartbeats(context.Response, heartbeat, cancellationToken));
    }

    static async IAsyncEnumerable<SseItem<JobEvent>> Items(JobService jobs, string id, long after, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await foreach (var e in jobs.Events.ReadAsync(id, after, cancellationToken))
            yield return new SseItem<JobEvent>(e, EventName(e.Type)) { EventId = e.Sequence.ToString(CultureInfo.InvariantCulture) };
    }

    /// <summary>The SSE event name: the event type in kebab case (audio-chunk), as in the JSON bodies.</summary>
    public static string EventName(JobEventType type) => System.Text.Json.JsonNamingPolicy.KebabCaseLower.ConvertName(type.ToString());

    static bool IsJobId(string id) => id.StartsWith("job_", StringComparison.Ordinal) && id.Length == 36 && id[4..].All(char.IsAsciiHexDigitLower);
}
