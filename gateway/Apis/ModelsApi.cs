using Media.Audio.Formats;
using Media.Hosting.Models;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Media.Gateway.Apis;

internal static class ModelsApi
{
    /// <summary><c>/api/models</c>: every model the services know, with its real state, and the audio output formats this machine can write.</summary>
    public static IEndpointRouteBuilder MapModelsApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/models").WithTags("Models");
        group.MapGet("", (ModelCatalog catalog, AudioEncoders encoders) => TypedResults.Ok(new ModelList(catalog.List(), OutputFormats.Of(encoders))));
        group.MapGet("/{id}", Results<Ok<ModelStatus>, ProblemHttpResult> (string id, ModelCatalog catalog) =>
            catalog.Find(id) is { } model
                ? TypedResults.Ok(model)
                : TypedResults.Problem($"No model with id '{id}'.", statusCode: StatusCodes.Status404NotFound, title: "Model not found"));
        return app;
    }

    internal sealed record ModelList(IReadOnlyList<ModelStatus> Data, OutputFormats OutputFormats);

    /// <summary>
    /// The output formats of this machine: audio (speech and codec answers) with the default, the formats that are
    /// off with the package that enables each, and images (written by ImageSharp, always there).
    /// </summary>
    internal sealed record OutputFormats(IReadOnlyList<string> Audio, string DefaultSpeech, IReadOnlyList<MissingFormat> MissingAudio, IReadOnlyList<string> Image)
    {
        public static OutputFormats Of(AudioEncoders encoders) => new(
            [.. encoders.Available.Select(f => f.Name)], encoders.DefaultSpeechFormat.Name,
            [.. encoders.Missing.Select(f => new MissingFormat(f.Name, f.Package!))], ["png", "jpeg", "webp"]);
    }

    internal sealed record MissingFormat(string Format, string Package);
}
