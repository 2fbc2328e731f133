using Media.Hosting.Models;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Media.Gateway.Apis;

internal static class ModelsApi
{
    /// <summary><c>/api/models</c>: every model the services know, with its real state.</summary>
    public static IEndpointRouteBuilder MapModelsApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/models").WithTags("Models");
        group.MapGet("", (ModelCatalog catalog) => TypedResults.Ok(new ModelList(catalog.List())));
        group.MapGet("/{id}", Results<Ok<ModelStatus>, ProblemHttpResult> (string id, ModelCatalog catalog) =>
            catalog.Find(id) is { } model
                ? TypedResults.Ok(model)
                : TypedResults.Problem($"No model with id '{id}'.", statusCode: StatusCodes.Status404NotFound, title: "Model not found"));
        return app;
    }

    internal sealed record ModelList(IReadOnlyList<ModelStatus> Data);
}
