using Media.Modeling.Checkpoints;
using Media.Tokenizers.Text;
using TorchSharp;
using static TorchSharp.torch;

namespace Media.Services.Image.Mar;

/// <summary>
/// MAR model files. Public checkpoints (LTH14/mar: <c>checkpoint-last.pth</c> holding "model" and
/// "model_ema") load into <see cref="MarConfig.MarB"/> / <see cref="MarConfig.MarL"/> with the EMA
/// weights preferred, key for key. Our folder is <c>config.json</c> + fp16 <c>model.safetensors</c>
/// under the same key names (<c>caption_emb</c> in place of <c>class_emb</c>).
/// </summary>
public static class MarCheckpoint
{
    /// <summary>The configuration file's name.</summary>
    public const string ConfigFile = ModelFolder.ConfigFile;

    /// <summary>The weights file's name.</summary>
    public const string WeightsFile = ModelFolder.WeightsFile;

    /// <summary>Caption vocabulary rows of a caption-conditioned config (0 for a class-conditioned one).</summary>
    public static int CaptionVocabularySize(MarConfig config) =>
        config.CaptionGpt2Ids is { } ids && config.IsCaptionConditioned ? new CaptionVocabulary(ids).VocabularySize : 0;

    /// <summary>Loads a public MAR checkpoint into a new model of <paramref name="config"/> (EMA weights when present), strict, in eval mode.</summary>
    public static MarModel LoadPublic(string path, MarConfig config, Device? device = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(config);
        if (!File.Exists(path)) throw new FileNotFoundException($"No checkpoint at '{path}'.", path);
        return Checkpoint.LoadModel(new MarModel(config, CaptionVocabularySize(config)), path, new CheckpointLoadOptions { PreferEma = true, Renames = Media.Modeling.Layers.VitBlock.TimmKeyRenames }, device);
    }

    /// <summary>Reads <c>config.json</c> of a model folder.</summary>
    public static MarConfig ReadConfig(string directory)
    {
        return ModelConfigJson.Read(Path.Combine(directory, ConfigFile), "MAR", MarConfig.FromJson);
    }

    /// <summary>True when <paramref name="directory"/> holds a config and weights.</summary>
    public static bool Exists(string directory) => ModelFolder.Exists(directory);

    /// <summary>Loads our model folder in eval mode (strict).</summary>
    public static MarModel Load(string directory, Device? device = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        var config = ReadConfig(directory);
        return ModelFolder.Load(directory, () => new MarModel(config, CaptionVocabularySize(config)), device);
    }

    /// <summary>Writes <c>config.json</c> and fp16 <c>model.safetensors</c> to <paramref name="directory"/>.</summary>
    public static void Save(MarModel model, string directory, IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ModelFolder.Save(directory, model.state_dict(), model.Config.ToJson(), metadata, ScalarType.Float16);
    }
}
