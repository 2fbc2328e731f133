using System.Globalization;
using Media.Modeling.Checkpoints;
using TorchSharp;
using static TorchSharp.torch;

namespace Media.Tokenizers.Image;

/// <summary>
/// Our committed tokenizer format: a folder with <c>config.json</c> (the <see cref="VqConfig"/> in
/// snake_case) and <c>model.safetensors</c> holding the state dict under LlamaGen's key names.
/// Weights are stored as fp16; the <c>quantize.codebook_used</c> id buffer stays fp32 so ids above
/// 2048 survive.
/// </summary>
public static class VqModelFolder
{
    /// <summary>The configuration file's name.</summary>
    public const string ConfigFile = ModelFolder.ConfigFile;

    /// <summary>The weights file's name.</summary>
    public const string WeightsFile = ModelFolder.WeightsFile;

    const string UsageKey = "quantize.codebook_used";

    /// <summary>Reads a <c>config.json</c> written by <see cref="Save"/>; throws <see cref="InvalidDataException"/> naming the file when it is unreadable or inconsistent.</summary>
    public static VqConfig ReadConfig(string path) => ModelConfigJson.Read<VqConfig>(path, "VQ", c => c.Validate());

    /// <summary>The config as written to <c>config.json</c>.</summary>
    public static string ConfigJson(VqConfig config) => ModelConfigJson.Write(config);

    /// <summary>Loads the model in <paramref name="directory"/> (strict: every key present, no extra, same shapes), in eval mode.</summary>
    public static VqModel Load(string directory, Device? device = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        var config = ReadConfig(Path.Combine(directory, ConfigFile));
        return ModelFolder.Load(directory, () => new VqModel(config), device);
    }

    /// <summary>Writes <c>config.json</c> and fp16 <c>model.safetensors</c> to <paramref name="directory"/> (created when missing).</summary>
    public static void Save(VqModel model, string directory, IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        using var scope = NewDisposeScope();
        ModelFolder.Save(directory, ModelFolder.HalfState(model, UsageKey), ConfigJson(model.Config), metadata,
            extraMetadata: new Dictionary<string, string> { ["codebook_size"] = model.Config.CodebookSize.ToString(CultureInfo.InvariantCulture) });
    }
}
