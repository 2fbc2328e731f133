using Media.Modeling.Checkpoints;
using TorchSharp;
using static TorchSharp.torch;

namespace Media.Tokenizers.Image.DAr;

/// <summary>
/// Our committed D-AR tokenizer format: a folder with <c>config.json</c> (the <see cref="DArTokenizerConfig"/> in snake_case)
/// and fp16 <c>model.safetensors</c> under our key names (D-AR's, with q/k/v fused into <c>wqkv</c>; see
/// <see cref="DArTokenizerCheckpoint"/> for the public layout). The <c>quantize.codebook_used</c> id buffer stays fp32.
/// </summary>
public static class DArTokenizerFolder
{
    /// <summary>The configuration file's name.</summary>
    public const string ConfigFile = ModelFolder.ConfigFile;

    /// <summary>The weights file's name.</summary>
    public const string WeightsFile = ModelFolder.WeightsFile;

    const string UsageKey = "quantize.codebook_used";

    /// <summary>Reads a <c>config.json</c>; throws <see cref="InvalidDataException"/> naming the file when it is unreadable or inconsistent.</summary>
    public static DArTokenizerConfig ReadConfig(string path) => ModelConfigJson.Read<DArTokenizerConfig>(path, "D-AR tokenizer", c => c.Validate());

    /// <summary>The config as written to <c>config.json</c>.</summary>
    public static string ConfigJson(DArTokenizerConfig config) => ModelConfigJson.Write(config);

    /// <summary>True when <paramref name="directory"/> holds both files.</summary>
    public static bool Exists(string directory) => ModelFolder.Exists(directory);

    /// <summary>Loads the tokenizer in <paramref name="directory"/> (strict), in eval mode.</summary>
    public static DArTokenizer Load(string directory, Device? device = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        var config = ReadConfig(Path.Combine(directory, ConfigFile));
        return ModelFolder.Load(directory, () => new DArTokenizer(config), device);
    }

    /// <summary>Writes <c>config.json</c> and fp16 <c>model.safetensors</c> to <paramref name="directory"/> (created when missing).</summary>
    public static void Save(DArTokenizer model, string directory, IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        using var scope = NewDisposeScope();
        ModelFolder.Save(directory, ModelFolder.HalfState(model, UsageKey), ConfigJson(model.Config), metadata);
    }
}
