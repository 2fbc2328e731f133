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
}
