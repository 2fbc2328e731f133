using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Media.Hosting;
using Media.Hosting.Artifacts;
using Media.Hosting.Jobs;
using Media.Hosting.Models;
using Media.Services.Image.Formats;
using Media.Services.Image.Generation;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.Options;

namespace Media.Gateway.Apis.OpenAi;

/// <summary>
/// <c>POST /v1/images/edits</c>: OpenAI's image edit (multipart/form-data, as the SDKs' <c>images.edit(image, prompt)</c> send
/// it) as MagicMix's image-text mode: the uploaded <c>image</c> gives the layout, the <c>prompt</c> the content. <c>model</c>
/// defaults to <c>magicmix</c>; a model that does not mix (its limits lack <c>mix</c>) is refused. The image is read through
/// ImageSharp at submission (PNG, JPEG or WebP, byte and pixel limits), so a corrupt, oversized or non-image upload is a 400
/// naming <c>image</c>. MagicMix's own knobs may ride along as form fields (<c>nu</c>, <c>k_min</c>, <c>k_max</c>). The answer
/// (b64_json or url, stream with partial images) is /v1/images/generations'.
/// </summary>
internal static class ImageEdits
{
    /// <summary>OpenAI edit fields that change nothing here; accepted so existing client code runs.</summary>
    static readonly string[] AcceptedAndIgnored = ["input_fidelity"];

    /// <summary>The text fields read as numbers and flags before the generation request's own checks.</summary>
    static readonly string[] Integers = ["n", "partial_images", "seed", "output_compression"];

    /// <summary>MagicMix's knobs, passed on in the job's <c>mix</c> parameter.</summary>
    static readonly string[] MixFields = ["nu", "k_min", "k_max"];

    public static async Task Handle(HttpContext context, JobService jobs, IArtifactStore artifacts, IArtifactReferences references, ModelCatalog catalog,
        IOptions<JobsOptions> jobsOptions, IOptions<JsonOptions> jsonOptions)
    {
        var cancellationToken = context.RequestAborted;
        if (!context.Request.HasFormContentType)
        {
            await new OpenAiError("Send the edit as multipart/form-data with the fields 'image' and 'prompt'.", OpenAiError.InvalidRequest, null, "unsupported_media_type")
                .ToResult(StatusCodes.Status415UnsupportedMediaType, context).ExecuteAsync(context);
            return;
        }
        // The form around the image adds a little: refuse only bodies that cannot hold an image of the allowed size.
        if (context.Request.ContentLength > ImageUpload.MaxBytes + 64 * 1024)
        {
            await TooLarge(context).ExecuteAsync(context);
            return;
        }
        IFormCollection form;
        try { form = await context.Request.ReadFormAsync(cancellationToken); }
        catch (Exception ex) when (ex is InvalidDataException or IOException && !cancellationToken.IsCancellationRequested)
        {
            await OpenAiError.Invalid(context, null, $"The request body is not a valid form: {ex.Message}").ExecuteAsync(context);
            return;
        }

        var (fields, mix, problem) = await ReadAsync(form, cancellationToken);
        if (problem is { } p) { await OpenAiError.Invalid(context, p.Param, p.Message).ExecuteAsync(context); return; }
        if (!fields!.ContainsKey("model")) fields["model"] = MagicMixGenerator.ModelFolder;
        var (request, invalid) = ImageGenerations.Parse(JsonSerializer.SerializeToElement(fields), catalog);
        if (invalid is { } bad) { await OpenAiError.Invalid(context, bad.Param, bad.Message).ExecuteAsync(context); return; }
        // A model that is there but does not mix would ignore the image: refuse it. A missing model gets the job service's 409.
        if (catalog.Find(request!.Model) is { } model && model.State != ModelState.Missing && model.Limits?["mix"]?.GetValue<bool>() != true)
        {
            await OpenAiError.Invalid(context, "model", $"The model '{request.Model}' does not edit images; use '{MagicMixGenerator.ModelFolder}'.").ExecuteAsync(context);
            return;
        }
        await ImageGenerations.SubmitAndRespondAsync(context, jobs, artifacts, references, jobsOptions, jsonOptions, request,
            new JsonObject { [MagicMixRequest.Field] = mix }, ParamName);
    }

    /// <summary>The form's text fields as the generation request's JSON fields, the <c>mix</c> parameter with the image, or the first problem.</summary>
    static async Task<(JsonObject? Fields, JsonObject? Mix, (string Param, string Message)? Problem)> ReadAsync(IFormCollection form, CancellationToken cancellationToken)
    {
        if (form.Files.FirstOrDefault(f => f.Name is not ("image" or "image[]")) is { } other)
            return (null, null, (other.Name, other.Name == "mask" ? "A mask is not supported: MagicMix keeps the whole layout and repaints the content" : $"Unrecognized request argument supplied: {other.Name}"));
        var images = form.Files.Where(f => f.Name is "image" or "image[]").ToList();
        if (images.Count == 0) return (null, null, ("image", "Missing required parameter: 'image'"));
        if (images.Count > 1) return (null, null, ("image", "Give one image: MagicMix takes the layout from a single image"));
        var file = images[0];
        if (file.Length > ImageUpload.MaxBytes) return (null, null, ("image", $"image: the image is {file.Length:N0} bytes; at most {ImageUpload.MaxBytes:N0} are accepted."));
        using var buffer = new MemoryStream();
        await file.CopyToAsync(buffer, cancellationToken);
        byte[] bytes = buffer.ToArray();
        try
        {
            ImageUpload.Read(bytes, "image"); // decoded here so a bad upload is this request's 400, not a failed job
        }
        catch (ArgumentException e)
        {
            return (null, null, ("image", e.Message));
        }
        var mix = new JsonObject { ["image"] = Convert.ToBase64String(bytes) };
        var fields = new JsonObject();
        foreach (var (key, values) in form)
        {
            string value = values.ToString();
            if (MixFields.Contains(key))
            {
                if (!double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out double number) || !double.IsFinite(number))
                    return (null, null, (key, $"'{key}' must be a number; got '{value}'"));
                // Checked here, naming the form field: the job kind would name only the mix group.
                if (number is < 0 or > 1) return (null, null, (key, $"'{key}' must lie in [0, 1]; got {value}"));
                mix[key] = number;
            }
            else if (AcceptedAndIgnored.Contains(key)) continue;
            else if (Integers.Contains(key))
                fields[key] = long.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long whole) ? JsonValue.Create(whole) : JsonValue.Create(value);
            else if (key == "stream")
                fields[key] = value switch { "true" => JsonValue.Create(true), "false" => JsonValue.Create(false), _ => JsonValue.Create(value) };
            else fields[key] = value;
        }
        return (fields, mix, null);
    }

    /// <summary>The request field a refused job parameter came from: the mix's knobs and image by their form names.</summary>
    static string ParamName(string jobParameter) =>
        jobParameter.StartsWith(MagicMixRequest.Field + ".", StringComparison.Ordinal) ? jobParameter[(MagicMixRequest.Field.Length + 1)..]
        : jobParameter == MagicMixRequest.Field ? "image"
        : ImageGenerations.ParamName(jobParameter);

    static IResult TooLarge(HttpContext context) =>
        new OpenAiError($"The image may be at most {ImageUpload.MaxBytes:N0} bytes.", OpenAiError.InvalidRequest, "image", "request_too_large")
            .ToResult(StatusCodes.Status413PayloadTooLarge, context);
}
