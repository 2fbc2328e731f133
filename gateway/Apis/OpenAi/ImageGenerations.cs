using System.Buffers.Binary;
using System.Globalization;
using System.Net.ServerSentEvents;
using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Text.Json.Nodes;
using Media.Hosting;
using Media.Hosting.Artifacts;
using Media.Hosting.Jobs;
using Media.Hosting.Models;
using Media.Hosting.Workers;
using Media.Services.Image;
using Media.Services.Image.Formats;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.Options;

namespace Media.Gateway.Apis.OpenAi;

/// <summary>
/// <c>POST /v1/images/generations</c>: OpenAI's image request turned into image jobs (one per image,
/// seeds seed, seed+1, ...), answered as OpenAI answers: the images as <c>b64_json</c> or <c>url</c>, or
/// with <c>stream: true</c> as server-sent <c>image_generation.partial_image</c> events (the job's first
/// <c>partial_images</c> previews) and one <c>image_generation.completed</c>. <c>output_format</c> png (default),
/// jpeg or webp with <c>output_compression</c> 0-100 applies to the images and the partial images alike; a
/// url names a stored artifact in that format (with its metadata, served with its content type).
/// </summary>
internal static class ImageGenerations
{
    public const int MaxImages = 10;
    public const int MaxPartialImages = 3;

    /// <summary>Fields OpenAI defines that change nothing here; accepted so existing client code runs.</summary>
    static readonly string[] AcceptedAndIgnored = ["style", "moderation", "user"];

    /// <summary>What a valid request asks for.</summary>
    internal sealed record Request(string Model, string Prompt, int N, (int Width, int Height)? Size, bool UrlFormat, bool Stream,
        int PartialImages, long? Seed, string Quality, string Background, string OutputFormat, int Compression);

    public static async Task Handle(HttpContext context, JobService jobs, IArtifactStore artifacts, IArtifactReferences references, ModelCatalog catalog,
        IOptions<JobsOptions> jobsOptions, IOptions<JsonOptions> jsonOptions)
    {
        var cancellationToken = context.RequestAborted;
        var (body, bodyError) = await OpenAiApi.ReadJsonAsync(context, jobsOptions.Value.MaxRequestBytes, cancellationToken);
        if (bodyError is not null) { await bodyError.ExecuteAsync(context); return; }
        var (request, invalid) = Parse(body!.RootElement, catalog);
        body.Dispose();
        if (invalid is not null) { await OpenAiError.Invalid(context, invalid.Value.Param, invalid.Value.Message).ExecuteAsync(context); return; }
        await SubmitAndRespondAsync(context, jobs, artifacts, references, jobsOptions, jsonOptions, request!, null, ParamName);
    }

    /// <summary>
    /// Submits the request's jobs (each with <paramref name="extra"/> parameters, such as /v1/images/edits' <c>mix</c>) and answers
    /// with the images or the stream; a refused submission is OpenAI's error naming the request's field (<paramref name="paramName"/>).
    /// </summary>
    internal static async Task SubmitAndRespondAsync(HttpContext context, JobService jobs, IArtifactStore artifacts, IArtifactReferences references,
        IOptions<JobsOptions> jobsOptions, IOptions<JsonOptions> jsonOptions, Request request, JsonObject? extra, Func<string, string> paramName)
    {
        var cancellationToken = context.RequestAborted;
        var submitted = new List<Job>();
        try
        {
            for (int i = 0; i < request.N; i++)
                submitted.Add((await jobs.SubmitAsync(Submission(request, i, Caller.Owner(context), extra) with { Quota = Caller.Quota(context.User) }, cancellationToken)).Job);
        }
        catch (JobRejectedException rejected)
        {
            await JobRelay.CancelAsync(jobs, submitted.Select(j => j.Id));
            await OpenAiError.FromRejection(context, rejected, paramName).ExecuteAsync(context);
            return;
        }
        context.Response.Headers["x-media-job-id"] = string.Join(',', submitted.Select(j => j.Id));

        var json = jsonOptions.Value.SerializerOptions;
        try
        {
            if (request.Stream) await StreamAsync(context, jobs, artifacts, references, request, submitted[0], json, TimeSpan.FromSeconds(jobsOptions.Value.HeartbeatSeconds));
            else await RespondAsync(context, jobs, artifacts, references, request, submitted, json);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            await JobRelay.CancelAsync(jobs, submitted.Select(j => j.Id)); // the caller left: nobody wants the images
        }
    }

    /// <summary>Checks the request's fields; returns the request or the first problem.</summary>
    internal static (Request? Request, (string Param, string Message)? Problem) Parse(JsonElement body, ModelCatalog catalog)
    {
        var fields = new RequestFields(body);
        if (!fields.IsObject) return (null, ("body", "The request body must be a JSON object"));
        string? model = fields.String("model");
        string? prompt = fields.String("prompt", required: true);
        long n = fields.Integer("n", 1, MaxImages) ?? 1;
        string? sizeText = fields.String("size");
        string format = fields.Choice("response_format", "b64_json", "url") ?? "b64_json";
        bool stream = fields.Boolean("stream") ?? false;
        long partialImages = fields.Integer("partial_images", 0, MaxPartialImages) ?? 0;
        long? seed = fields.Integer("seed", 0, (1L << 53) - 1);
        string outputFormat = fields.Choice("output_format", [.. ImageOutputEncoder.Formats]) ?? "png";
        long compression = fields.Integer("output_compression", 0, 100) ?? ImageOutputEncoder.DefaultCompression;
        string background = fields.Choice("background", "auto", "opaque", "transparent") ?? "auto";
        fields.Accept(AcceptedAndIgnored);
        // OpenAI's quality names (gpt-image and dall-e); the models here have one quality, so it is echoed back.
        string quality = fields.Choice("quality", "auto", "low", "medium", "high", "standard", "hd") ?? "auto";
        fields.RefuseUnknown();

        (int, int)? size = null;
        if (sizeText is not null && sizeText != "auto")
        {
            var parts = sizeText.Split('x');
            if (parts.Length == 2 && int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out int w)
                && int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out int h))
                size = (w, h);
            else fields.Fail("size", $"'size' must be 'auto' or WIDTHxHEIGHT (for example '512x512'); got '{sizeText}'");
        }
        if (background == "transparent") fields.Fail("background", "background 'transparent' is not available: the image models paint every pixel");
        if (stream && n != 1) fields.Fail("n", "A streamed request makes one image: set 'n' to 1 or leave it out");
        if (stream && format == "url") fields.Fail("response_format", "Streamed images arrive as b64_json; leave 'response_format' out or set it to 'b64_json'");
        if (fields.Problem is { } problem) return (null, problem);

        string? modelId = JobRelay.ModelFor(ImageJobKind.Name, model, catalog);
        if (modelId is null) return (null, ("model", "No image model is part of this build"));
        return (new Request(modelId, prompt!, (int)n, size, format == "url", stream, (int)partialImages, seed, quality, background, outputFormat, (int)compression), null);
    }

    /// <summary>The job of image <paramref name="index"/>: the prompt, the size as width and height, the seed plus the index.</summary>
    internal static JobSubmission Submission(Request request, int index, string owner, JsonObject? extra = null)
    {
        var parameters = new JsonObject { ["prompt"] = request.Prompt };
        if (extra is not null)
            foreach (var (key, value) in extra) parameters[key] = value?.DeepClone();
        if (request.Size is { } size)
        {
            parameters["width"] = size.Width;
            parameters["height"] = size.Height;
        }
        if (request.Seed is { } seed) parameters["seed"] = seed + index;
        return new JobSubmission(ImageJobKind.Name, request.Model, JsonSerializer.SerializeToElement(parameters)) { Owner = owner };
    }

    /// <summary>The job parameter a submission error names, as the request called it.</summary>
    internal static string ParamName(string jobParameter) => jobParameter switch
    {
        "width" or "height" => "size",
        _ => jobParameter,
    };

    static async Task RespondAsync(HttpContext context, JobService jobs, IArtifactStore artifacts, IArtifactReferences references, Request request, List<Job> submitted,
        JsonSerializerOptions json)
    {
        var cancellationToken = context.RequestAborted;
        var images = new List<ImageData>();
        string? size = null;
        foreach (var job in submitted)
        {
            var finished = await JobRelay.WaitAsync(jobs, job.Id, cancellationToken);
            if (finished.Status != JobStatus.Succeeded || finished.Artifacts.Count == 0)
            {
                await JobRelay.CancelAsync(jobs, submitted.Select(j => j.Id));
                await new OpenAiError(JobRelay.Reason(finished), OpenAiError.ServerError, null, "generation_failed")
                    .ToResult(StatusCodes.Status500InternalServerError, context).ExecuteAsync(context);
                return;
            }
            string artifact = finished.Artifacts[0];
            byte[] png = await JobRelay.ReadArtifactAsync(artifacts, artifact, cancellationToken);
            size ??= PngSize(png);
            var (bytes, stored) = await OutputAsync(artifacts, references, finished.Owner, artifact, png, request, cancellationToken);
            images.Add(request.UrlFormat
                ? new ImageData(null, JobRelay.AbsoluteUrl(context.Request, stored))
                : new ImageData(Convert.ToBase64String(bytes), null));
        }
        await TypedResults.Json(new ImagesResponse(Now(), images, size ?? "auto", request.OutputFormat, request.Quality, request.Background), json)
            .ExecuteAsync(context);
    }

    static Task StreamAsync(HttpContext context, JobService jobs, IArtifactStore artifacts, IArtifactReferences references, Request request, Job job,
        JsonSerializerOptions json, TimeSpan heartbeat) =>
        JobRelay.StreamEventsAsync(context, StreamEvents(jobs, artifacts, references, request, job, json, context.RequestAborted), heartbeat);

    /// <summary>The job's first <c>partial_images</c> previews, then the image (or an error event).</summary>
    static async IAsyncEnumerable<SseItem<string>> StreamEvents(JobService jobs, IArtifactStore artifacts, IArtifactReferences references, Request request, Job job,
        JsonSerializerOptions json,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        int partials = 0;
        await foreach (var e in jobs.Events.ReadAsync(job.Id, 0, cancellationToken))
        {
            switch (e.Type)
            {
                case JobEventType.Preview when partials < request.PartialImages && e.Payload is { } preview:
                    byte[] partial = ImageOutputEncoder.Encode(preview, request.OutputFormat, request.Compression, new Dictionary<string, string>());
                    yield return JobRelay.Event(PartialImageEvent.Name,
                        new PartialImageEvent(Convert.ToBase64String(partial), Now(), PngSize(preview), request.Quality, request.Background, request.OutputFormat, partials), json);
                    partials++;
                    break;
                case JobEventType.Completed:
                    var finished = await jobs.GetAsync(job.Id, cancellationToken);
                    if (finished?.Artifacts is not [var artifact, ..])
                    {
                        yield return JobRelay.Event("error", JobRelay.ErrorEvent("The job completed without an image", "generation_failed"), json);
                        yield break;
                    }
                    byte[] png = await JobRelay.ReadArtifactAsync(artifacts, artifact, cancellationToken);
                    var (image, _) = await OutputAsync(artifacts, references, finished.Owner, artifact, png, request, cancellationToken);
                    yield return JobRelay.Event(CompletedEvent.Name,
                        new CompletedEvent(Convert.ToBase64String(image), Now(), PngSize(png), request.Quality, request.Background, request.OutputFormat), json);
                    yield break;
                case JobEventType.Failed or JobEventType.Cancelled:
                    var ended = await jobs.GetAsync(job.Id, cancellationToken);
                    yield return JobRelay.Event("error", JobRelay.ErrorEvent(ended is null ? e.Message ?? "The job ended" : JobRelay.Reason(ended), "generation_failed"), json);
                    yield break;
            }
        }
    }

    /// <summary>
    /// The image in the asked format and the artifact that holds it: the job's PNG artifact itself, or a JPEG/WebP
    /// artifact made from it, carrying the same metadata (prompt, seed, model), stored with its own content type
    /// and held by the job for its owner (so the owner can fetch its url and retention keeps it while the job lives).
    /// </summary>
    internal static async Task<(byte[] Bytes, string Artifact)> OutputAsync(IArtifactStore artifacts, IArtifactReferences references, string owner,
        string artifact, byte[] png, Request request, CancellationToken cancellationToken)
    {
        if (request.OutputFormat == "png") return (png, artifact);
        var source = await artifacts.GetAsync(artifact, cancellationToken);
        var metadata = new Dictionary<string, string>(source?.Metadata ?? new Dictionary<string, string>(), StringComparer.Ordinal)
        {
            ["prompt"] = request.Prompt,
        };
        byte[] bytes = ImageOutputEncoder.Encode(png, request.OutputFormat, request.Compression, metadata);
        string name = Path.ChangeExtension(source?.Name ?? "image.png", ImageOutputEncoder.Extension(request.OutputFormat));
        var stored = await artifacts.SaveAsync(bytes,
            new ArtifactInfo(ImageOutputEncoder.ContentType(request.OutputFormat), source?.JobId, name, metadata), cancellationToken);
        if (source?.JobId is { } jobId) await references.AddAsync(stored.Id, jobId, owner, cancellationToken);
        return (bytes, stored.Id);
    }

    /// <summary>The PNG's real size as OpenAI writes sizes (WIDTHxHEIGHT), read from its IHDR chunk.</summary>
    internal static string PngSize(ReadOnlySpan<byte> png) => png.Length >= 24 && png[12..16].SequenceEqual("IHDR"u8)
        ? $"{BinaryPrimitives.ReadInt32BigEndian(png[16..])}x{BinaryPrimitives.ReadInt32BigEndian(png[20..])}"
        : "auto";

    static long Now() => DateTimeOffset.UtcNow.ToUnixTimeSeconds();

    internal sealed record ImageData(
        [property: System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)] string? B64Json,
        [property: System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)] string? Url);

    /// <summary>OpenAI's ImagesResponse; token usage is not metered here, so it is left out.</summary>
    internal sealed record ImagesResponse(long Created, IReadOnlyList<ImageData> Data, string Size, string OutputFormat, string Quality, string Background);

    /// <summary>OpenAI's ImageGenPartialImageEvent.</summary>
    internal sealed record PartialImageEvent(string B64Json, long CreatedAt, string Size, string Quality, string Background, string OutputFormat, int PartialImageIndex)
    {
        public const string Name = "image_generation.partial_image";
        public string Type { get; init; } = Name;
    }

    /// <summary>OpenAI's ImageGenCompletedEvent (without usage: tokens are not metered here).</summary>
    internal sealed record CompletedEvent(string B64Json, long CreatedAt, string Size, string Quality, string Background, string OutputFormat)
    {
        public const string Name = "image_generation.completed";
        public string Type { get; init; } = Name;
    }
}
