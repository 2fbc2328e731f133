using System.Text.Json;
using Media.Services.Image.Data;
using Media.Services.Image.Formats;
using Media.Services.Image.MagicMix;

namespace Media.Services.Image.Generation;

/// <summary>
/// A `magicmix` image job: the prompt is the content; the <c>mix</c> parameter gives the layout — an uploaded image
/// (<c>image</c>, base64 PNG/JPEG/WebP, image-text mode), an earlier image (<c>artifact</c>) or a layout prompt
/// (<c>layout_prompt</c>, text-text mode) — and MagicMix's knobs (<c>nu</c>, <c>k_min</c>, <c>k_max</c>, <c>nu_schedule</c>,
/// <c>content_weight</c>). Without <c>mix</c> the job is plain text-to-image with the base model. <c>steps</c>,
/// <c>guidance_scale</c>, <c>seed</c> and <c>preview_every</c> are the image job's own.
/// </summary>
public sealed record MagicMixRequest(string Prompt, MagicMixOptions Options)
{
    /// <summary>The job parameter's name.</summary>
    public const string Field = "mix";

    /// <summary>Previews every this many steps unless the job says otherwise.</summary>
    public const int DefaultPreviewEvery = 5;

    /// <summary>The uploaded layout image (image-text mode).</summary>
    public RgbImage? LayoutImage { get; init; }

    /// <summary>An earlier image's artifact id as the layout (image-text mode, resolved by the generator).</summary>
    public string? LayoutArtifact { get; init; }

    /// <summary>The layout prompt (text-text mode).</summary>
    public string? LayoutPrompt { get; init; }

    /// <summary>True when the job mixes (a <c>mix</c> parameter was given).</summary>
    public bool Mixes { get; init; }

    /// <summary>Noise seed.</summary>
    public ulong Seed { get; init; }

    /// <summary>A preview every this many steps; 0 sends none.</summary>
    public int PreviewEvery { get; init; } = DefaultPreviewEvery;

    /// <summary>
    /// Reads a job's parameters (already shape-checked against the image kind's schema); an uploaded image is decoded here
    /// through <see cref="ImageUpload"/>. Throws an <see cref="ArgumentException"/> whose parameter name is the field
    /// ("mix.image", "mix.k_min", ...).
    /// </summary>
    public static MagicMixRequest FromJob(JsonElement parameters, int imageSize)
    {
        string prompt = parameters.TryGetProperty("prompt", out var p) ? p.GetString() ?? "" : "";
        if (string.IsNullOrWhiteSpace(prompt)) throw FieldError("prompt", "The image job needs a prompt.");
        foreach (var side in new[] { "width", "height" })
            if (parameters.TryGetProperty(side, out var v) && v.GetInt32() != imageSize)
                throw FieldError(side, $"magicmix draws {imageSize}x{imageSize} images; {side} {v.GetInt32()} is not supported.");
        var options = new MagicMixOptions
        {
            Steps = parameters.TryGetProperty("steps", out var s) ? s.GetInt32() : 50,
            GuidanceScale = parameters.TryGetProperty("guidance_scale", out var g) ? g.GetDouble() : new MagicMixOptions().GuidanceScale,
        };
        var request = new MagicMixRequest(prompt.Trim(), options)
        {
            Seed = parameters.TryGetProperty("seed", out var seed) ? (ulong)seed.GetDouble() : 0,
            PreviewEvery = parameters.TryGetProperty("preview_every", out var pe) ? pe.GetInt32() : DefaultPreviewEvery,
        };
        if (parameters.TryGetProperty(Field, out var mix)) request = WithMix(request, mix);
        if (request.Options.Problem() is { } problem)
            throw FieldError(problem.Field is "steps" ? "steps" : problem.Field == "guidance" ? "guidance_scale" : $"{Field}.{problem.Field}", problem.Message);
        return request;
    }

    const string ImageField = Field + ".image";

    /// <summary>An error naming the job parameter <paramref name="field"/> ("mix.k_min"), which the API's 400 names.</summary>
    static ArgumentException FieldError(string field, string message, Exception? inner = null) => new(message, field, inner);

    static MagicMixRequest WithMix(MagicMixRequest request, JsonElement mix)
    {
        if (mix.ValueKind != JsonValueKind.Object) throw FieldError(Field, $"{Field} must be an object {{image | artifact | layout_prompt, nu, k_min, k_max}}.");
        bool hasImage = mix.TryGetProperty("image", out var image) && image.ValueKind == JsonValueKind.String;
        bool hasArtifact = mix.TryGetProperty("artifact", out var artifact) && artifact.ValueKind == JsonValueKind.String;
        bool hasPrompt = mix.TryGetProperty("layout_prompt", out var layoutPrompt) && layoutPrompt.ValueKind == JsonValueKind.String;
        if ((hasImage ? 1 : 0) + (hasArtifact ? 1 : 0) + (hasPrompt ? 1 : 0) != 1)
            throw FieldError(Field, $"{Field}: give exactly one layout: image (base64), artifact (an artifact id) or layout_prompt.");
        var defaults = new MagicMixOptions();
        var options = request.Options with
        {
            Nu = mix.TryGetProperty("nu", out var nu) ? nu.GetDouble() : defaults.Nu,
            KMin = mix.TryGetProperty("k_min", out var kMin) ? kMin.GetDouble() : defaults.KMin,
            KMax = mix.TryGetProperty("k_max", out var kMax) ? kMax.GetDouble() : defaults.KMax,
            NuSchedule = mix.TryGetProperty("nu_schedule", out var schedule) && schedule.GetString() == "linear" ? NuSchedule.Linear : NuSchedule.Constant,
            ContentWeight = mix.TryGetProperty("content_weight", out var weight) ? weight.GetDouble() : defaults.ContentWeight,
        };
        request = request with { Options = options, Mixes = true };
        if (hasArtifact) return request with { LayoutArtifact = artifact.GetString() };
        if (hasPrompt)
        {
            string text = layoutPrompt.GetString()!.Trim();
            if (text.Length == 0) throw FieldError($"{Field}.layout_prompt", $"{Field}.layout_prompt must not be empty.");
            return request with { LayoutPrompt = text };
        }
        byte[] bytes;
        try
        {
            bytes = Convert.FromBase64String(image.GetString()!);
        }
        catch (FormatException)
        {
            throw FieldError($"{Field}.image", $"{Field}.image: not valid base64.");
        }
        try
        {
            return request with { LayoutImage = ImageUpload.Read(bytes, $"{Field}.image") };
        }
        catch (ArgumentException e)
        {
            throw FieldError(ImageField, e.Message, e);
        }
    }
}
