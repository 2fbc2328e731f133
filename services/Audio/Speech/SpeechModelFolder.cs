using System.Text.Json;
using Media.Modeling.Checkpoints;
using TorchSharp;
using static TorchSharp.torch;

namespace Media.Services.Audio.Speech;

/// <summary>
/// A committed speech model: <c>config.json</c> (the sizes, the mel features and, where relevant, the
/// symbol table) and <c>model.safetensors</c> (fp16 weights), loaded strictly.
/// </summary>
public static class SpeechModelFolder
{
    /// <summary>JSON settings of every config: snake_case keys, indented.</summary>
    public static JsonSerializerOptions Json { get; } = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower, WriteIndented = true };

    /// <summary>Writes <paramref name="config"/> and the weights of <paramref name="module"/> (fp16) to <paramref name="folder"/>.</summary>
    public static void Save<TConfig>(nn.Module module, TConfig config, string folder, IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentNullException.ThrowIfNull(module);
        ArgumentException.ThrowIfNullOrEmpty(folder);
        Directory.CreateDirectory(folder);
        File.WriteAllText(Path.Combine(folder, "config.json"), JsonSerializer.Serialize(config, Json) + "\n");
        Checkpoint.Save(module, Path.Combine(folder, "model.safetensors"), metadata, floatDtype: ScalarType.Float16);
    }

    /// <summary>Whether <paramref name="folder"/> holds a trained model (both <c>config.json</c> and <c>model.safetensors</c>).</summary>
    public static bool Exists(string folder) =>
        !string.IsNullOrEmpty(folder) && File.Exists(Path.Combine(folder, "config.json")) && File.Exists(Path.Combine(folder, "model.safetensors"));

    /// <summary>The config of the model in <paramref name="folder"/>; a clear error when it is missing.</summary>
    public static TConfig ReadConfig<TConfig>(string folder)
    {
        ArgumentException.ThrowIfNullOrEmpty(folder);
        string path = Path.Combine(folder, "config.json");
        if (!File.Exists(path)) throw new FileNotFoundException($"No model config at {path}; train the model first (see the model card).", path);
        return JsonSerializer.Deserialize<TConfig>(File.ReadAllText(path), Json)
            ?? throw new InvalidDataException($"{path} holds no config.");
    }

    /// <summary>
    /// Loads the weights in <paramref name="folder"/> into <paramref name="module"/> (strict, as fp32) and moves it to <paramref name="device"/>;
    /// <paramref name="renames"/> map the keys of older checkpoints to the module's.
    /// </summary>
    public static void LoadWeights(nn.Module module, string folder, Device device, KeyRenameTable? renames = null)
    {
        ArgumentNullException.ThrowIfNull(module);
        ArgumentNullException.ThrowIfNull(device);
        string path = Path.Combine(folder, "model.safetensors");
        if (!File.Exists(path)) throw new FileNotFoundException($"No weights at {path}; train the model first (see the model card).", path);
        module.to(device);
        Checkpoint.LoadInto(module, path, new CheckpointLoadOptions { Device = device, Renames = renames }, strict: true);
        module.eval();
    }
}
