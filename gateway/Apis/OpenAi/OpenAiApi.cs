using System.Text.Json;
using System.Text.Json.Serialization;
using Media.Hosting.Jobs;
using Media.Hosting.Models;
using Media.Hosting.Workers;

namespace Media.Gateway.Apis.OpenAi;

internal static class OpenAiApi
{
    /// <summary>
    /// <c>/v1</c>: the routes OpenAI's SDKs call, on top of the job service. The bearer token is the caller's
    /// API key (the group the gateway maps this into checks it); errors are OpenAI's error JSON.
    /// </summary>
    public static IEndpointRouteBuilder MapOpenAiApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/v1").WithTags("OpenAI-compatible");
        group.MapPost("/images/generations", ImageGenerations.Handle).WithName("OpenAiImageGenerations")
            .WithSummary("OpenAI's image generation: b64_json or url; stream: true sends partial images as server-sent events");
        group.MapPost("/images/edits", ImageEdits.Handle).WithName("OpenAiImageEdits").DisableAntiforgery()
            .WithSummary("OpenAI's image edit (multipart): MagicMix's image-text mode, the image's layout with the prompt's content (model magicmix)");
        group.MapPost("/audio/speech", SpeechGeneration.Handle).WithName("OpenAiSpeech")
            .WithSummary("OpenAI's text to speech: mp3 (default), aac, flac, opus, wav or pcm (24 kHz); stream_format audio (chunked) or sse");
        group.MapGet("/models", (ModelCatalog catalog) =>
                TypedResults.Ok(new ModelList([.. catalog.List().Where(m => catalog.CanServe(m)).Select(OpenAiModel.Of)])))
            .WithName("OpenAiModels").WithSummary("The models that can take a job now, OpenAI-shaped (/api/models lists every model with its state)");
        group.MapGet("/models/{id}", (string id, ModelCatalog catalog, HttpContext context) => catalog.Find(id) is { } model
                ? TypedResults.Ok(OpenAiModel.Of(model))
                : new OpenAiError($"The model '{id}' does not exist.", OpenAiError.InvalidRequest, "model", "model_not_found")
                    .ToResult(StatusCodes.Status404NotFound, context))
            .WithName("OpenAiModel");
        group.MapFilesApi();
        group.MapOpenAiBatchesApi();
        // Anything else under /v1 answers in OpenAI's shape too, so SDK calls to routes not built here fail clearly.
        group.Map("/{**rest}", (string rest, HttpContext context) =>
            new OpenAiError($"Unknown request URL: {context.Request.Method} /v1/{rest}. This service serves /v1/images/generations, /v1/images/edits, /v1/audio/speech, /v1/models, /v1/files and /v1/batches.",
                OpenAiError.InvalidRequest, null, "unknown_url").ToResult(StatusCodes.Status404NotFound, context));
        return app;
    }

    /// <summary>The JSON body (OpenAI-shaped 415, 413 and 400 answers otherwise).</summary>
    public static async Task<(JsonDocument? Body, IResult? Error)> ReadJsonAsync(HttpContext context, int maxBytes, CancellationToken cancellationToken)
    {
        if (!context.Request.HasJsonContentType())
            return (null, new OpenAiError("Send the request body as application/json.", OpenAiError.InvalidRequest, null, "unsupported_media_type")
                .ToResult(StatusCodes.Status415UnsupportedMediaType, context));
        var (bytes, tooLarge) = await Problems.ReadBodyAsync(context.Request, maxBytes, cancellationToken);
        if (tooLarge is not null)
            return (null, new OpenAiError($"The request body may be at most {maxBytes} bytes.", OpenAiError.InvalidRequest, null, "request_too_large")
                .ToResult(StatusCodes.Status413PayloadTooLarge, context));
        try
        {
            var document = JsonDocument.Parse(bytes!, new JsonDocumentOptions { MaxDepth = 16 });
            if (JsonText.FindMalformed(document.RootElement) is not { } malformed) return (document, null);
            document.Dispose();
            return (null, OpenAiError.Invalid(context, malformed, $"'{malformed}' {JsonText.Problem}."));
        }
        catch (JsonException ex)
        {
            return (null, OpenAiError.Invalid(context, null, $"The request body is not valid JSON: {ex.Message}"));
        }
    }

    internal sealed record ModelList(IReadOnlyList<OpenAiModel> Data)
    {
        public string Object { get; init; } = "list";
    }

    /// <summary>OpenAI's model object, plus what this service knows: kinds, family and the real state
    /// (<c>missing</c> until the model is trained; such a model answers requests with model_not_ready).</summary>
    internal sealed record OpenAiModel(string Id, long Created, string OwnedBy, IReadOnlyList<string> Kinds, string Family,
        ModelState State,
        [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Reason)
    {
        public string Object { get; init; } = "model";

        /// <summary>Created: when the checkpoint was written (0 while there is none).</summary>
        public static OpenAiModel Of(ModelStatus model)
        {
            ArgumentNullException.ThrowIfNull(model);
            var config = new FileInfo(Path.Combine(model.Checkpoint, "config.json"));
            long created = config.Exists ? new DateTimeOffset(config.LastWriteTimeUtc).ToUnixTimeSeconds() : 0;
            return new OpenAiModel(model.Id, created, "media", model.Kinds, model.Family, model.State, model.Reason);
        }
    }
}
