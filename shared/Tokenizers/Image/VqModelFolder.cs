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
    public const string ConfigFile = "config.json";

    /// <summary>The weights file's name.</summary>
    public const string WeightsFile = "model.safetensors";

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
        string weights = Path.Combine(directory, WeightsFile);
        if (!File.Exists(weights)) throw new FileNotFoundException($"No weights at '{weights}'.", weights);
        return Checkpoint.LoadModel(new VqModel(config), weights, new CheckpointLoadOptions { FloatDtype = ScalarType.Float32 }, device);
    }

    /// <summary>Writes <c>config.json</c> and fp16 <c>model.safetensors</c> to <paramref name="directory"/> (created when missing).</summary>
    public static void Save(VqModel model, string directory, IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentException.ThrowIfNullOrEmpty(directory);
        Directory.CreateDirectory(directory);
        using var scope = NewDisposeScope();
        var tensors = model.state_dict().ToDictionary(
            kv => kv.Key,
            kv => kv.Key == UsageKey ? kv.Value.detach().cpu() : kv.Value.detach().cpu().to_type(ScalarType.Float16),
            StringComparer.Ordinal);
        var meta = new Dictionary<string, string>(metadata ?? new Dictionary<string, string>(), StringComparer.Ordinal)
        {
            ["format"] = "pt",
            ["codebook_size"] = model.Config.CodebookSize.ToString(CultureInfo.InvariantCulture),
        };
        SafetensorsWriter.Write(Path.Combine(directory, WeightsFile), tensors, meta);
        File.WriteAllText(Path.Combine(directory, ConfigFile), ConfigJson(model.Config) + "\n");
    }
}
