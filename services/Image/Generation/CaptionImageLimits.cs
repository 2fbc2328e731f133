using System.Text.Json;
using System.Text.Json.Nodes;
using Media.Tokenizers.Text;

namespace Media.Services.Image.Generation;

/// <summary>
/// What the caption-conditioned image checkpoints (`token-shuffle`, `d-ar`) check alike at submission: one square image
/// size and prompts of at most so many caption tokens, so such a request is a 400 naming the field and the limit.
/// </summary>
public static class CaptionImageLimits
{
    /// <summary>Whether <paramref name="ex"/> means a checkpoint's files cannot be read (its limits are then unknown).</summary>
    public static bool IsUnreadable(Exception ex) =>
        ex is IOException or JsonException or InvalidDataException or UnauthorizedAccessException or ArgumentException;

    /// <summary>The limits as /api/models shows them: <c>sizes</c> (WIDTHxHEIGHT), <c>width</c>, <c>height</c> and <c>prompt_tokens</c>.</summary>
    public static JsonObject Describe(int imageSize, int promptTokens) => new()
    {
        ["sizes"] = new JsonArray($"{imageSize}x{imageSize}"),
        ["width"] = imageSize,
        ["height"] = imageSize,
        ["prompt_tokens"] = promptTokens,
    };

    /// <summary>
    /// Adds to <paramref name="errors"/> (keyed "parameters.name") a width or height other than <paramref name="imageSize"/> and
    /// a prompt or negative prompt longer than <paramref name="promptTokens"/> caption tokens (<paramref name="promptHint"/> ends that message).
    /// </summary>
    public static void CheckSizeAndPrompts(IDictionary<string, string[]> errors, string modelId, JsonElement parameters,
        int imageSize, int promptTokens, CaptionVocabulary vocabulary, string promptHint = "")
    {
        ArgumentNullException.ThrowIfNull(errors);
        ArgumentNullException.ThrowIfNull(vocabulary);
        foreach (string side in new[] { "width", "height" })
            if (parameters.TryGetProperty(side, out var v) && v.TryGetInt32(out int pixels) && pixels != imageSize)
                errors["parameters." + side] = [$"must be {imageSize}: {modelId} draws {imageSize}x{imageSize} images only"];
        foreach (string field in new[] { "prompt", "negative_prompt" })
            if (parameters.TryGetProperty(field, out var p) && p.ValueKind == JsonValueKind.String
                && vocabulary.Encode(p.GetString()!.Trim()).Count is var tokens && tokens > promptTokens)
                errors["parameters." + field] = [$"is {tokens} caption tokens long; {modelId} reads at most {promptTokens}{promptHint}"];
    }
}
