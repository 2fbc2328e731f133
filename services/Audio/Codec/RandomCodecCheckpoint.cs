using Media.Modeling.Checkpoints;
using Media.Tokenizers.Audio.Encodec;
using static TorchSharp.torch;

namespace Media.Services.Audio.Codec;

/// <summary>
/// A media-codec checkpoint of the real EnCodec architecture with seeded random weights, written into a
/// models folder: what integration tests and <c>media bench gateway</c> serve when no trained codec is
/// wanted (the numbers they check or measure do not depend on what the weights learned).
/// </summary>
public static class RandomCodecCheckpoint
{
    /// <summary>A 16 kHz codec small enough to load and run in milliseconds: 4 filters, 8 hidden, 6 codebooks of 16 codes.</summary>
    public static EncodecConfig Tiny { get; } = new() { SamplingRate = 16_000, NumFilters = 4, HiddenSize = 8, CodebookSize = 16, TargetBandwidths = [0.6, 1.2] };

    /// <summary>
    /// Writes <c>model.safetensors</c> + <c>config.json</c> of <paramref name="config"/> (default <see cref="Tiny"/>)
    /// initialised from <paramref name="seed"/> into <c>{modelsDirectory}/media-codec</c>; returns that folder.
    /// </summary>
    public static string Write(string modelsDirectory, EncodecConfig? config = null, long seed = 5)
    {
        ArgumentException.ThrowIfNullOrEmpty(modelsDirectory);
        config ??= Tiny;
        string folder = Path.Combine(modelsDirectory, CodecServiceExtensions.ModelId);
        Directory.CreateDirectory(folder);
        manual_seed(seed);
        using (var model = new EncodecModel(config)) Checkpoint.Save(model, Path.Combine(folder, "model.safetensors"));
        File.WriteAllText(Path.Combine(folder, "config.json"), config.ToJson());
        return folder;
    }
}
