namespace Media.Gateway.Apis;

internal static class HealthApi
{
    /// <summary><c>/healthz</c>: the process is up and answering.</summary>
    public static IEndpointRouteBuilder MapHealthApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/healthz", () => TypedResults.Ok(new HealthResponse("healthy")))
            .WithName("Health").WithTags("Health");
        return app;
    }

    internal sealed record HealthResponse(string Status);
}
