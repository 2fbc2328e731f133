using System.Text.Json;
using Media.Hosting.Artifacts;
using Media.Hosting.Batches;
using Media.Hosting.Jobs;
using Media.Hosting.Models;
using Media.Hosting.Workers;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.Options;

namespace Media.Gateway.Apis.OpenAi.Batches;

/// <summary>
/// <c>/v1/images/generations</c> in a batch: a line's body is read by the route's own parser and makes the
/// route's jobs (one per image); a finished line is answered with the route's ImagesResponse, the images as
/// <c>b64_json</c> or, with <c>response_format: "url"</c>, as absolute artifact URLs.
/// </summary>
internal sealed class ImageBatchEndpoint(ModelCatalog catalog, IArtifactStore artifacts, IArtifactReferences references,
    IOptions<JsonOptions> json) : RouteBatchEndpoint
{
    public override string Url => "/v1/images/generations";

    public override BatchLinePlan Plan(JsonElement body, string owner)
    {
        var (request, problem) = ImageGenerations.Parse(body, catalog);
        if (problem is { } p) return Invalid(p.Param, p.Message);
        if (request!.Stream) return Invalid("stream", "A batch answers each request once: leave 'stream' out or set it to false");
        return new BatchLinePlan([.. Enumerable.Range(0, request.N).Select(i => ImageGenerations.Submission(request, i, owner))]);
    }

    protected override string ParamName(string jobParameter) => ImageGenerations.ParamName(jobParameter);

    public override async Task<JsonElement> RespondAsync(JsonElement body, IReadOnlyList<Job> jobs, Batch batch, CancellationToken cancellationToken)
    {
        var request = ImageGenerations.Parse(body, catalog).Request
            ?? throw new InvalidOperationException("The request no longer parses.");
        var images = new List<ImageGenerations.ImageData>();
        string? size = null;
        foreach (var job in jobs)
        {
            string artifact = job.Artifacts.Count > 0 ? job.Artifacts[0] : throw new InvalidOperationException($"Job {job.Id} made no image.");
            byte[] png = await JobRelay.ReadArtifactAsync(artifacts, artifact, cancellationToken);
            size ??= ImageGenerations.PngSize(png);
            var (bytes, stored) = await ImageGenerations.OutputAsync(artifacts, references, job.Owner, artifact, png, request, cancellationToken);
            images.Add(request.UrlFormat
                ? new ImageGenerations.ImageData(null, batch.Origin + ArtifactRoutes.Url(stored))
                : new ImageGenerations.ImageData(Convert.ToBase64String(bytes), null));
        }
        long created = (jobs[^1].FinishedAt ?? batch.CreatedAt).ToUnixTimeSeconds();
        return JsonSerializer.SerializeToElement(
            new ImageGenerations.ImagesResponse(created, images, size ?? "auto", request.OutputFormat, request.Quality, request.Background), json.Value.SerializerOptions);
    }
}
