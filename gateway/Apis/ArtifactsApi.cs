using System.Text.Json;
using Media.Audio.Formats;
using Media.Audio.IO;
using Media.Hosting.Artifacts;
using Media.Services.Image.Formats;
using Microsoft.Net.Http.Headers;

namespace Media.Gateway.Apis;

internal static class ArtifactsApi
{
    /// <summary><c>/api/artifacts/{id}</c>: a stored file (image, audio, batch output) with its content type.</summary>
    public static IEndpointRouteBuilder MapArtifactsApi(this IEndpointRouteBuilder app)
    {
        app.MapGet(ArtifactRoutes.Prefix + "{id}", Get).WithTags("Artifacts").WithName("GetArtifact")
            .WithSummary("The artifact's bytes; ids are sha256 hashes, so the content never changes. "
                + "?format= converts a WAV to mp3, aac, flac, opus or pcm, or a PNG to jpeg or webp (the download name gets the format's extension)")
            .Produces(StatusCodes.Status200OK, contentType: "application/octet-stream")
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status404NotFound);
        return app;
    }

    static async Task<IResult> Get(string id, string? format, IArtifactStore artifacts, AudioEncoders encoders, HttpContext context, CancellationToken cancellationToken)
    {
        // Another owner's artifact is not found, as if it did not exist.
        var artifact = await artifacts.GetAsync(id, cancellationToken) is { } found && await Caller.MayReadArtifactAsync(context, id) ? found : null;
        var stream = artifact is null ? null : await artifacts.OpenReadAsync(id, cancellationToken);
        if (artifact is null || stream is null) return Problems.NotFound("Artifact", id);
        // Never in a shared cache: the bytes are only for their owners.
        context.Response.Headers.CacheControl = "private, max-age=31536000, immutable";
        if (format is null) return TypedResults.Stream(stream, artifact.ContentType, artifact.Name, entityTag: new EntityTagHeaderValue($"\"{id}\""), enableRangeProcessing: true);

        byte[] content;
        await using (stream)
        {
            using var buffer = new MemoryStream();
            await stream.CopyToAsync(buffer, cancellationToken);
            content = buffer.ToArray();
        }
        return artifact.ContentType switch
        {
            "audio/wav" => ConvertAudio(artifact, content, format, encoders),
            "image/png" => ConvertImage(artifact, content, format),
            _ => Invalid($"Artifact '{id}' is {artifact.ContentType}; only WAV (audio) and PNG (image) artifacts convert to another format."),
        };
    }

    /// <summary>A WAV artifact in another audio format, through the same encoders as <c>/v1/audio/speech</c>.</summary>
    static IResult ConvertAudio(Artifact artifact, byte[] wav, string format, AudioEncoders encoders)
    {
        if (AudioFormat.Find(format) is not { } target)
            return Invalid($"format must be one of {string.Join(", ", AudioFormat.All.Select(f => f.Name))} for an audio artifact; got '{format}'.");
        if (!encoders.IsAvailable(format)) return Invalid(new EncoderUnavailableException(target).Message);
        if (format == "wav") return TypedResults.File(wav, artifact.ContentType, artifact.Name);
        var audio = WavFile.Read(wav);
        using var encoder = encoders.Create(format);
        byte[] encoded = encoder.EncodeAll(Pcm16.Interleave(audio), audio.SampleRate, audio.ChannelCount);
        return TypedResults.File(encoded, target.ContentType, Path.ChangeExtension(artifact.Name ?? "audio.wav", target.Extension));
    }

    /// <summary>A PNG artifact as JPEG or WebP (quality 90), keeping its generation metadata.</summary>
    static IResult ConvertImage(Artifact artifact, byte[] png, string format)
    {
        if (!ImageOutputEncoder.Formats.Contains(format))
            return Invalid($"format must be one of {string.Join(", ", ImageOutputEncoder.Formats)} for an image artifact; got '{format}'.");
        var metadata = new Dictionary<string, string>(artifact.Metadata, StringComparer.Ordinal);
        if (metadata.TryGetValue("parameters", out var parameters) && Prompt(parameters) is { } prompt) metadata["prompt"] = prompt;
        byte[] encoded = ImageOutputEncoder.Encode(png, format, 90, metadata);
        return TypedResults.File(encoded, ImageOutputEncoder.ContentType(format), Path.ChangeExtension(artifact.Name ?? "image.png", ImageOutputEncoder.Extension(format)));
    }

    static string? Prompt(string parametersJson)
    {
        try
        {
            using var parameters = JsonDocument.Parse(parametersJson);
            return parameters.RootElement.TryGetProperty("prompt", out var prompt) && prompt.ValueKind == JsonValueKind.String ? prompt.GetString() : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    static Microsoft.AspNetCore.Http.HttpResults.ProblemHttpResult Invalid(string detail) => TypedResults.Problem(detail, statusCode: StatusCodes.Status400BadRequest, title: "Invalid format");
}
