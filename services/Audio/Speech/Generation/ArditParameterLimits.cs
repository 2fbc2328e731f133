using System.Text.Json;
using System.Text.Json.Nodes;
using Media.Hosting.Models;
using Media.Services.Audio.Speech.Ardit;

namespace Media.Services.Audio.Speech.Generation;

/// <summary>
/// What an ARDiT voice's config allows beyond the speech schema, checked when a job is submitted: a <c>duration</c> the
/// model can make (at most <c>max_frames</c> latent frames) and a <c>block_size</c> it was trained with. The length of a
/// prompt clip is only known once the clip is encoded, so a prompt too long for the rest fails the job with the reason.
/// </summary>
public static class ArditParameterLimits
{
    /// <summary>Errors keyed "parameters.name" for parameters (already schema-valid) <paramref name="config"/> cannot serve.</summary>
    public static IReadOnlyDictionary<string, string[]> Check(ArditVoiceConfig config, JsonElement parameters)
    {
        ArgumentNullException.ThrowIfNull(config);
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        if (parameters.ValueKind != JsonValueKind.Object) return errors;
        var model = config.Model;
        // A fixed duration is for one utterance: longer text is spoken sentence by sentence at its natural length.
        if (parameters.TryGetProperty("duration", out _) && parameters.TryGetProperty("text", out var t) && t.ValueKind == JsonValueKind.String
            && FrontEndTextEncoder.Default.Normalize(t.GetString()!).Length > model.MaxTextLength)
            errors["parameters.duration"] = [$"applies to text of one utterance, at most {model.MaxTextLength} characters after normalisation; longer text is spoken sentence by sentence at its natural length (set speed instead)"];
        if (parameters.TryGetProperty("duration", out var d) && d.TryGetDouble(out double seconds) && StreamingSpeechSynthesizer.Frames(seconds, model.FrameRate) > model.MaxFrames)
            errors["parameters.duration"] = [$"must be at most {model.MaxFrames / model.FrameRate:0.##} s: this model makes at most {model.MaxFrames} latent frames at {model.FrameRate:0.##} Hz"];
        if (parameters.TryGetProperty("block_size", out var b) && b.TryGetInt32(out int blockSize) && !config.TrainedBlockSizes.Contains(blockSize))
            errors["parameters.block_size"] = [$"must be one of {string.Join(", ", config.TrainedBlockSizes.Order())}: the block sizes this model was trained with"];
        if (config.Steps is { } only && parameters.TryGetProperty("steps", out var s) && s.TryGetInt32(out int steps) && steps != only)
            errors["parameters.steps"] = [$"must be {only}: this voice is distilled to {only} network evaluation{(only == 1 ? "" : "s")} per block{(config.Teacher is { } teacher ? $" ({teacher} takes other step counts)" : "")}"];
        if (config.FillInMiddle is not > 0 && parameters.TryGetProperty("method", out var m) && m.ValueKind == JsonValueKind.String && m.GetString() == SpeechEditJobKind.FillInMiddle)
            errors["parameters.method"] = [$"must be {SpeechEditJobKind.LeftContext}: this voice was not trained with fill-in-the-middle ({ArditVoice.Infilling} was)"];
        return errors;
    }

    /// <summary>
    /// The voice's limits as /api/models shows them: characters and seconds one utterance takes (longer text is spoken
    /// sentence by sentence), and the block sizes it was trained with. Null when its config cannot be read.
    /// </summary>
    public static JsonObject? Describe(ModelStatus model)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArditVoiceConfig config;
        try { config = SpeechModelFolder.ReadConfig<ArditVoiceConfig>(model.Checkpoint); }
        catch (Exception ex) when (ex is IOException or JsonException or InvalidDataException or UnauthorizedAccessException) { return null; }
        var limits = new JsonObject
        {
            ["text_characters"] = SpeechJobKind.MaxTextLength,
            ["utterance_characters"] = config.Model.MaxTextLength,
            ["utterance_seconds"] = Math.Round(config.Model.MaxFrames / config.Model.FrameRate, 2),
            ["block_sizes"] = new JsonArray([.. config.TrainedBlockSizes.Order().Select(b => (JsonNode)b)]),
        };
        // A distilled voice samples with one step count only.
        if (config.Steps is { } only) limits["steps"] = new JsonArray(only);
        limits["edit_methods"] = config.FillInMiddle is not > 0 ? new JsonArray(SpeechEditJobKind.LeftContext) : new JsonArray(SpeechEditJobKind.FillInMiddle, SpeechEditJobKind.LeftContext);
        return limits;
    }

    /// <summary>
    /// <see cref="Check(ArditVoiceConfig, JsonElement)"/> against the config.json in the model's checkpoint folder. A config
    /// that cannot be read passes: loading the model then fails the job with the reason.
    /// </summary>
    public static IReadOnlyDictionary<string, string[]> Check(ModelStatus model, JsonElement parameters)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArditVoiceConfig config;
        try { config = SpeechModelFolder.ReadConfig<ArditVoiceConfig>(model.Checkpoint); }
        catch (Exception ex) when (ex is IOException or JsonException or InvalidDataException or UnauthorizedAccessException) { return new Dictionary<string, string[]>(); }
        return Check(config, parameters);
    }
}
