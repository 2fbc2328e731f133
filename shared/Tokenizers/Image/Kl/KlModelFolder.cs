using Media.Modeling.Checkpoints;
using TorchSharp;
using static TorchSharp.torch;

namespace Media.Tokenizers.Image.Kl;

/// <summary>
/// Our committed KL autoencoder format: a folder with <c>config.json</c> (the <see cref="KlConfig"/>
/// in snake_case, scale factor included) and fp16 <c>model.safetensors</c> under the public key names.
/// </summary>
public static class KlModelFolder
{
    /// <summary>The configuration file's name.</summary>
    public const string ConfigFile = ModelFolder.ConfigFile;

    /// <summary>The weights file's name.</summary>
    public const string WeightsFile = ModelFolder.WeightsFile;

    /// <summary>Reads a <c>config.json</c>; throws <see cref="InvalidDataException"/> naming the file when it is unreadable or inconsistent.</summary>
    public static KlConfig ReadConfig(string path) => ModelConfigJson.Read<KlConfig>(path, "KL autoencoder", c => c.Validate());

    /// <summary>The config as written to <c>config.json</c>.</summary>
    public static string ConfigJson(KlConfig config) => ModelConfigJson.Write(config);

    /// <summary>True when <paramref name="directory"/> holds both files (a trained, committed model).</summary>
    public static bool Exists(string directory) => ModelFolder.Exists(directory);

    /// <summary>Loads the model in <paramref name="directory"/> (strict), in eval mode.</summary>
    public static AutoencoderKl Load(string directory, Device? device = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        var config = ReadConfig(Path.Combine(directory, ConfigFile));
        return ModelFolder.Load(directory, () => new AutoencoderKl(config), device);
    }

    /// <summary>Writes <c>config.json</c> (with <paramref name="config"/>, e.g. a measured scale factor) and fp16 weights to <paramref name="directory"/>.</summary>
    public static void Save(AutoencoderKl model, string directory, KlConfig? config = null, IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ModelFolder.Save(directory, model.state_dict(), ConfigJson(config ?? model.Config), metadata, ScalarType.Float16);
    }
}
