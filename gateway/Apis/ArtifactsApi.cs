using Media.Hosting.Artifacts;
using Microsoft.Net.Http.Headers;

namespace Media.Gateway.Apis;

internal static class ArtifactsApi
{
    /// <summary><c>/api/artifacts/{id}</c>: a stored file (image, audio, batch output) with its content type.</summary>
    public static IEndpointRouteBuilder MapArtifactsApi(this IEndpointRouteBuilder app)
    {
        app.MapGet(ArtifactRoutes.Prefix + "{id}", Get).WithTags("Artifacts").WithName("GetArtifact")
            .WithSummary("The artifact's bytes; ids are sha256 hashes, so the content never changes")
            .Produces(StatusCodes.Status200OK, contentType: "application/octet-stream")
            .ProducesProblem(StatusCodes.Status404NotFound);
        return app;
    }

    static async Task<IResult> Get(string id, IArtifactStore artifacts, HttpContext context, CancellationToken cancellationToken)
    {
        // Another owner's artifact is not found, as if it did not exist.
        var artifact = await artifacts.GetAsync(id, cancellationToken) is { } found && await Caller.MayReadArtifactAsync(context, id) ? found : null;
        var stream = artifact is null ? null : await artifacts.OpenReadAsync(id, cancellationToken);
        if (artifact is null || stream is null) return Problems.NotFound("Artifact", id);
        // Never in a shared cache: the bytes are only for their owners.
        context.Response.Headers.CacheControl = "private, max-age=31536000, immutable";
        return TypedResults.Stream(stream, artifact.ContentType, artifact.Name, entityTag: new EntityTagHeaderValue($"\"{id}\""), enableRangeProcessing: true);
    }
}
