using Media.Hosting.Jobs;
using Media.Hosting.Queues;
using Media.Hosting.Workers;

namespace Media.Gateway.Apis;

internal static class HealthApi
{
    /// <summary><c>/healthz</c>: the process is up. <c>/readyz</c>: recovery is done and the job store answers.</summary>
    public static IEndpointRouteBuilder MapHealthApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/healthz", () => TypedResults.Ok(new HealthResponse("healthy")))
            .WithName("Health").WithTags("Health");
        app.MapGet("/readyz", Ready).WithName("Ready").WithTags("Health")
            .Produces<ReadyResponse>().Produces<ReadyResponse>(StatusCodes.Status503ServiceUnavailable);
        return app;
    }

    static async Task<IResult> Ready(JobRecovery recovery, IJobStore store, IJobQueues queues, CancellationToken cancellationToken)
    {
        var queueDepths = queues.All.Select(q => new QueueDepth(q.Family, q.Count)).ToList();
        if (!recovery.Completed.IsCompletedSuccessfully)
            return TypedResults.Json(new ReadyResponse("starting", queueDepths), statusCode: StatusCodes.Status503ServiceUnavailable);
        try
        {
            await store.CountByStatusAsync(cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            return TypedResults.Json(new ReadyResponse($"job store unavailable: {ex.Message}", queueDepths), statusCode: StatusCodes.Status503ServiceUnavailable);
        }
        return TypedResults.Ok(new ReadyResponse("ready", queueDepths));
    }

    internal sealed record HealthResponse(string Status);

    internal sealed record QueueDepth(string Family, int Depth);

    internal sealed record ReadyResponse(string Status, IReadOnlyList<QueueDepth> Queues);
}
