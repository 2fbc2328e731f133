using TorchSharp;
using static TorchSharp.torch;

namespace Media.Modeling.Checkpoints;

/// <summary>
/// Our committed model folder: <c>config.json</c> beside <c>model.safetensors</c> (fp16 weights, <c>format: pt</c> in the
/// metadata). What every model's folder class shares; each keeps its own config type, key names and checks.
/// </summary>
public static class ModelFolder
{
    /// <summary>The configuration file's name.</summary>
    public const string ConfigFile = "config.json";

    /// <summary>The weights file's name.</summary>
    public const string WeightsFile = "model.safetensors";

    /// <summary>True when <paramref name="directory"/> holds both files.</summary>
    public static bool Exists(string directory) =>
        File.Exists(Path.Combine(directory, ConfigFile)) && File.Exists(Path.Combine(directory, WeightsFile));

    /// <summary>
    /// Builds a model with <paramref name="create"/> and loads the folder's weights into it (strict, float32, eval mode, on
    /// <paramref name="device"/>); throws <see cref="FileNotFoundException"/> before building anything when the weights are absent.
    /// </summary>
    public static T Load<T>(string directory, Func<T> create, Device? device = null, KeyRenameTable? renames = null) where T : nn.Module
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        ArgumentNullException.ThrowIfNull(create);
        string weights = Path.Combine(directory, WeightsFile);
        if (!File.Exists(weights)) throw new FileNotFoundException($"No weights at '{weights}'.", weights);
        return Checkpoint.LoadModel(create(), weights, new CheckpointLoadOptions { Renames = renames, FloatDtype = ScalarType.Float32 }, device);
    }

    /// <summary>
    /// Writes <paramref name="tensors"/> (floats stored as <paramref name="floatDtype"/> when given) with the caller's
    /// <paramref name="metadata"/>, <c>format: pt</c> and <paramref name="extraMetadata"/>, then <paramref name="configJson"/>
    /// as <c>config.json</c>, into <paramref name="directory"/> (created when missing).
    /// </summary>
    public static void Save(string directory, IEnumerable<KeyValuePair<string, Tensor>> tensors, string configJson,
        IReadOnlyDictionary<string, string>? metadata, ScalarType? floatDtype = null, IReadOnlyDictionary<string, string>? extraMetadata = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        ArgumentNullException.ThrowIfNull(tensors);
        ArgumentNullException.ThrowIfNull(configJson);
        Directory.CreateDirectory(directory);
        var meta = new Dictionary<string, string>(metadata ?? new Dictionary<string, string>(), StringComparer.Ordinal) { ["format"] = "pt" };
        foreach (var (key, value) in extraMetadata ?? new Dictionary<string, string>()) meta[key] = value;
        SafetensorsWriter.Write(Path.Combine(directory, WeightsFile), tensors, meta, floatDtype);
        File.WriteAllText(Path.Combine(directory, ConfigFile), configJson + "\n");
    }

    /// <summary>
    /// A module's state as committed: detached, on the CPU and fp16, but for <paramref name="float32Key"/> (an id buffer
    /// whose values above 2048 fp16 would round), under <paramref name="fileKey"/>'s names when given. Call inside a dispose scope.
    /// </summary>
    public static Dictionary<string, Tensor> HalfState(nn.Module module, string? float32Key = null, Func<string, string>? fileKey = null)
    {
        ArgumentNullException.ThrowIfNull(module);
        return module.state_dict().ToDictionary(
            kv => fileKey is null ? kv.Key : fileKey(kv.Key),
            kv => kv.Key == float32Key ? kv.Value.detach().cpu() : kv.Value.detach().cpu().to_type(ScalarType.Float16),
            StringComparer.Ordinal);
    }
}
