using System.Security.Cryptography;
using Media.Modeling.Checkpoints;
using TorchSharp;
using static TorchSharp.torch;

namespace Media.Services.Image.TokenShuffle;

/// <summary>
/// Model files in LlamaGen's GPT key layout: <c>tok_embeddings</c>, <c>cls_embedding.embedding_table</c>,
/// <c>layers.{i}.attention.{wqkv,wo}</c>, <c>layers.{i}.feed_forward.{w1,w2,w3}</c>,
/// <c>layers.{i}.{attention_norm,ffn_norm}</c>, <c>norm</c>, <c>output</c>, plus <c>token_shuffle.*</c> and
/// <c>token_unshuffle.*</c> when s &gt; 1. Our folder is <c>config.json</c> + fp16 <c>model.safetensors</c>.
/// </summary>
public static class TokenShuffleCheckpoint
{
    /// <summary>The configuration file's name.</summary>
    public const string ConfigFile = ModelFolder.ConfigFile;

    /// <summary>The weights file's name.</summary>
    public const string WeightsFile = ModelFolder.WeightsFile;

    const string TransformerPrefix = "transformer.";

    /// <summary>File keys (LlamaGen names) to module keys: the decoder's parts live under <c>transformer.</c>.</summary>
    public static KeyRenameTable FileToModule { get; } = new KeyRenameTable()
        .Add(@"^(tok_embeddings|layers|norm|output)\.", TransformerPrefix + "$1.");

    /// <summary>
    /// Loads a LlamaGen GPT checkpoint (<c>.pt</c> wrapped under model/module/state_dict, or safetensors) into a new
    /// model of <paramref name="config"/>; strict: every key present, none extra, same shapes.
    /// </summary>
    public static TokenShuffleModel LoadLlamaGen(string path, TokenShuffleConfig config, Device? device = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(config);
        if (config.Shuffle != 1) throw new ArgumentException("LlamaGen checkpoints have no Token-Shuffle layers: use a config with shuffle 1.", nameof(config));
        return Checkpoint.LoadModel(new TokenShuffleModel(config), path, new CheckpointLoadOptions { Renames = FileToModule }, device);
    }

    /// <summary>Reads <c>config.json</c> of a model folder.</summary>
    public static TokenShuffleConfig ReadConfig(string directory)
    {
        return ModelConfigJson.Read(Path.Combine(directory, ConfigFile), "Token-Shuffle", TokenShuffleConfig.FromJson);
    }

    /// <summary>Loads the model folder <paramref name="directory"/> in eval mode (strict).</summary>
    public static TokenShuffleModel Load(string directory, Device? device = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        var config = ReadConfig(directory);
        return ModelFolder.Load(directory, () => new TokenShuffleModel(config), device, FileToModule);
    }

    /// <summary>Writes <c>config.json</c> and fp16 <c>model.safetensors</c> (LlamaGen key names) to <paramref name="directory"/>.</summary>
    public static void Save(TokenShuffleModel model, string directory, IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        using var scope = NewDisposeScope();
        var tensors = ModelFolder.HalfState(model, fileKey: key => key.StartsWith(TransformerPrefix, StringComparison.Ordinal) ? key[TransformerPrefix.Length..] : key);
        ModelFolder.Save(directory, tensors, model.Config.ToJson(), metadata);
    }

    /// <summary>SHA-256 (lower-case hex) of a file: pairs a model with the exact VQ weights it was trained on.</summary>
    public static string Sha256(string path)
    {
        using var stream = File.OpenRead(path);
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }
}
