using Media.Modeling.Checkpoints;
using Media.Tokenizers.Text;
using static TorchSharp.torch;

namespace Media.Services.Image.LatentDiffusion;

/// <summary>The latent DiT's model folder: <c>config.json</c> + fp16 <c>model.safetensors</c> (EMA weights of the run).</summary>
public static class LdmCheckpoint
{
    /// <summary>The configuration file's name.</summary>
    public const string ConfigFile = "config.json";

    /// <summary>The weights file's name.</summary>
    public const string WeightsFile = "model.safetensors";

    /// <summary>Rows of the caption embedding of <paramref name="config"/>.</summary>
    public static int VocabularySize(LdmConfig config) => new CaptionVocabulary((config ?? throw new ArgumentNullException(nameof(config))).CaptionGpt2Ids).VocabularySize;

    /// <summary>True when <paramref name="directory"/> holds a config and weights.</summary>
    public static bool Exists(string directory) =>
        File.Exists(Path.Combine(directory, ConfigFile)) && File.Exists(Path.Combine(directory, WeightsFile));

    /// <summary>Reads <c>config.json</c> of a model folder.</summary>
    public static LdmConfig ReadConfig(string directory)
    {
        string path = Path.Combine(directory, ConfigFile);
        if (!File.Exists(path)) throw new FileNotFoundException($"No latent DiT config at '{path}'.", path);
        try
        {
            return LdmConfig.FromJson(File.ReadAllText(path));
        }
        catch (Exception e) when (e is System.Text.Json.JsonException or ArgumentException)
        {
            throw new InvalidDataException($"'{path}' is not a valid latent DiT config: {e.Message}", e);
        }
    }

    /// <summary>Loads a model folder in eval mode (strict).</summary>
    public static LatentDiT Load(string directory, Device? device = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        var config = ReadConfig(directory);
        string weights = Path.Combine(directory, WeightsFile);
        if (!File.Exists(weights)) throw new FileNotFoundException($"No weights at '{weights}'.", weights);
        return Checkpoint.LoadModel(new LatentDiT(config, VocabularySize(config)), weights, new CheckpointLoadOptions { FloatDtype = ScalarType.Float32 }, device);
    }

    /// <summary>Writes <c>config.json</c> and fp16 <c>model.safetensors</c> to <paramref name="directory"/>.</summary>
    public static void Save(LatentDiT model, string directory, IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentException.ThrowIfNullOrEmpty(directory);
        Directory.CreateDirectory(directory);
        var meta = new Dictionary<string, string>(metadata ?? new Dictionary<string, string>(), StringComparer.Ordinal) { ["format"] = "pt" };
        Checkpoint.Save(model, Path.Combine(directory, WeightsFile), meta, ScalarType.Float16);
        File.WriteAllText(Path.Combine(directory, ConfigFile), model.Config.ToJson() + "\n");
    }
}
