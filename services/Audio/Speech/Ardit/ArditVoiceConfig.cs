using System.Text.Json.Serialization;

namespace Media.Services.Audio.Speech.Ardit;

/// <summary>config.json of a trained ARDiT voice: the model shape, the default duration predictor, and the latent model it speaks in.</summary>
public sealed record ArditVoiceConfig
{
    [JsonPropertyName("model")] public ArditConfig Model { get; init; } = new();
    [JsonPropertyName("duration")] public DurationPredictor Duration { get; init; } = new();
    /// <summary>Block sizes the model was trained with (any of them can be used at generation).</summary>
    [JsonPropertyName("trained_block_sizes")] public int[] TrainedBlockSizes { get; init; } = [1, 4];
    /// <summary>Models folder name of the mel VAE whose latents this model generates.</summary>
    [JsonPropertyName("latent_model")] public string LatentModel { get; init; } = "tts-mel-vae";
    /// <summary>
    /// The one flow step count this voice samples with, for a distilled student (1: one network evaluation per block);
    /// null for a voice that takes any step count (a job without one gets 8).
    /// </summary>
    [JsonPropertyName("steps")][JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public int? Steps { get; init; }
    /// <summary>
    /// Share of training rows that kept a suffix as context (fill-in-the-middle, ARDiT's editing recipe); null for a voice
    /// never trained so, which edits from the left context alone.
    /// </summary>
    [JsonPropertyName("fill_in_middle")][JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public double? FillInMiddle { get; init; }
    /// <summary>Models folder name of the voice a distilled student was distilled from; null for a voice trained on data.</summary>
    [JsonPropertyName("teacher")][JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? Teacher { get; init; }
}
