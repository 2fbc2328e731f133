using Media.Modeling.Checkpoints;
using Media.Tokenizers.Text;
using static TorchSharp.torch;

namespace Media.Services.Image.LatentDiffusion;

/// <summary>The latent DiT's model folder: <c>config.json</c> + fp16 <c>model.safetensors</c> (EMA weights of the run).</summary>
public static class LdmCheckpoint
{
    /// <summary>The configuration file's name.</summary>
    public const string ConfigFile = ModelFolder.ConfigFile;

    /// <summary>The weights file's name.</summary>
    public const string WeightsFile = ModelFolder.WeightsFile;

    /// <summary>Rows of the caption embedding of <paramref name="config"/>.</summary>
    public static int VocabularySize(LdmConfig config) => new CaptionVocabulary((config ?? throw new ArgumentNullException(nameof(config))).CaptionGpt2Ids).VocabularySize;

    /// <summary>True when <paramref name="directory"/> holds a config and weights.</summary>
    public static bool Exists(string directory) => ModelFolder.Exists(directory);

    /// <summary>Reads <c>config.json</c> of a model folder.</summary>
    public static LdmConfig ReadConfig(string directory) => ModelConfigJson.Read(Path.Combine(directory, ConfigFile), "latent DiT", LdmConfig.FromJson);

    /// <summary>Loads a model folder in eval mode (strict).</summary>
    public static LatentDiT Load(string directory, Device? device = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        var config = ReadConfig(directory);
        return ModelFolder.Load(directory, () => new LatentDiT(config, VocabularySize(config)), device);
    }

    /// <summary>Writes <c>config.json</c> and fp16 <c>model.safetensors</c> to <paramref name="directory"/>.</summary>
    public static void Save(LatentDiT model, string directory, IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ModelFolder.Save(directory, model.state_dict(), model.Config.ToJson(), metadata, ScalarType.Float16);
    }
}
