using System.Text.Json;
using System.Text.Json.Nodes;
using Media.Hosting.Models;
using Media.Services.Image.LatentDiffusion;
using Media.Tokenizers.Text;

namespace Media.Services.Image.Generation;

/// <summary>
/// What the `magicmix` checkpoint can draw (its image size and caption length), that it edits images (<c>mix</c>, which
/// /v1/images/edits relies on), and the <c>mix</c> parameter checked at submission, so a corrupt, oversized or non-image
/// upload or k_min ≥ k_max is a 400 naming <c>parameters.mix.image</c> / <c>parameters.mix.k_min</c>, not a failed job.
/// </summary>
public static class MagicMixLimits
{
    /// <summary>The limits of one checkpoint.</summary>
    public sealed record Limits(int ImageSize, int PromptTokens, CaptionVocabulary Vocabulary);

    /// <summary>The checkpoint's limits, or null when its config cannot be read.</summary>
    public static Limits? Read(string modelDirectory)
    {
        try
        {
            var config = LdmCheckpoint.ReadConfig(modelDirectory);
            return new Limits(config.ImgSize, config.TextLength, new CaptionVocabulary(config.CaptionGpt2Ids));
        }
        catch (Exception ex) when (ex is IOException or JsonException or InvalidDataException or UnauthorizedAccessException or ArgumentException)
        {
            return null;
        }
    }

    /// <summary>The limits as /api/models shows them; <c>mix: true</c> marks a model that edits images.</summary>
    public static JsonObject? Describe(ModelStatus model)
    {
        ArgumentNullException.ThrowIfNull(model);
        var described = new JsonObject { ["mix"] = true };
        if (Read(model.Checkpoint) is { } limits)
        {
            described["sizes"] = new JsonArray($"{limits.ImageSize}x{limits.ImageSize}");
            described["width"] = limits.ImageSize;
            described["height"] = limits.ImageSize;
            described["prompt_tokens"] = limits.PromptTokens;
        }
        return described;
    }

    /// <summary>Errors keyed "parameters.name" for what this checkpoint cannot do, the mix parameter included.</summary>
    public static IReadOnlyDictionary<string, string[]> Check(ModelStatus model, JsonElement parameters)
    {
        ArgumentNullException.ThrowIfNull(model);
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        if (parameters.ValueKind != JsonValueKind.Object) return errors;
        var limits = Read(model.Checkpoint);
        // The mix (its upload above all) is checked even without a checkpoint: a bad upload is the caller's mistake either way.
        try
        {
            MagicMixRequest.FromJob(parameters, limits?.ImageSize ?? 64);
        }
        catch (ArgumentException e)
        {
            string field = e.ParamName is { Length: > 0 } name && (name.StartsWith(MagicMixRequest.Field, StringComparison.Ordinal) || name is "steps" or "guidance_scale")
                ? name : MagicMixRequest.Field;
            if (limits is not null || field.StartsWith(MagicMixRequest.Field, StringComparison.Ordinal))
                errors["parameters." + field] = [e.Message];
        }
        if (limits is null) return errors;
        foreach (string side in new[] { "width", "height" })
            if (parameters.TryGetProperty(side, out var v) && v.TryGetInt32(out int pixels) && pixels != limits.ImageSize)
                errors["parameters." + side] = [$"must be {limits.ImageSize}: {model.Id} draws {limits.ImageSize}x{limits.ImageSize} images only"];
        var prompts = new List<(string Field, string Text)>();
        if (parameters.TryGetProperty("prompt", out var p) && p.ValueKind == JsonValueKind.String) prompts.Add(("prompt", p.GetString()!));
        if (parameters.TryGetProperty(MagicMixRequest.Field, out var mix) && mix.ValueKind == JsonValueKind.Object
            && mix.TryGetProperty("layout_prompt", out var lp) && lp.ValueKind == JsonValueKind.String)
            prompts.Add(($"{MagicMixRequest.Field}.layout_prompt", lp.GetString()!));
        foreach (var (field, text) in prompts)
            if (limits.Vocabulary.Encode(text.Trim()).Count is var tokens && tokens > limits.PromptTokens)
                errors["parameters." + field] = [$"is {tokens} caption tokens long; {model.Id} reads at most {limits.PromptTokens}"];
        return errors;
    }
}
