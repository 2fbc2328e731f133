using Media.Modeling.Checkpoints;
using TorchSharp;
using static TorchSharp.torch;

namespace Media.Tokenizers.Audio.Encodec;

/// <summary>
/// Loads public EnCodec weights into <see cref="EncodecModel"/>, in either layout:
/// HF (<c>model.safetensors</c>: <c>encoder.layers.{i}.conv.weight_g/_v</c>, our own key names) or the
/// original repository (<c>encodec_24khz-*.th</c>: <c>encoder.model.{i}.conv.conv.*</c>,
/// <c>decoder.model.{i}.convtr.convtr.*</c>, <c>quantizer.vq.layers.{k}._codebook.*</c>; PyTorch or
/// safetensors). Weight norm is folded first, then the rename table maps original keys to HF's.
/// </summary>
public static class EncodecCheckpoint
{
    /// <summary>Original-repository keys to HF keys; HF keys pass through unchanged.</summary>
    public static KeyRenameTable Renames { get; } = new KeyRenameTable()
        .Add(@"^(encoder|decoder)\.model\.", "$1.layers.")
        .Add(@"\.conv\.conv\.", ".conv.")
        .Add(@"\.convtr\.convtr\.", ".conv.")
        .Add(@"^quantizer\.vq\.layers\.(\d+)\._codebook\.", "quantizer.layers.$1.codebook.");

    /// <summary>Loads a checkpoint file into <paramref name="model"/>; strict: every key must match in name and shape.</summary>
    public static StateDictLoadReport LoadInto(EncodecModel model, string path)
    {
        ArgumentNullException.ThrowIfNull(model);
        return Checkpoint.LoadInto(model, path, new CheckpointLoadOptions { Renames = Renames, FoldWeightNorm = true });
    }

    /// <summary>
    /// Builds a model and loads <paramref name="path"/> into it. The configuration is
    /// <paramref name="config"/>, else the <c>config.json</c> beside the checkpoint (ours or HF's), else
    /// <see cref="EncodecConfig.Encodec24kHz"/>.
    /// </summary>
    public static EncodecModel Load(string path, EncodecConfig? config = null, Device? device = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (!File.Exists(path)) throw new FileNotFoundException($"EnCodec checkpoint '{path}' does not exist.", path);
        config ??= ConfigBeside(path) ?? EncodecConfig.Encodec24kHz;
        var model = new EncodecModel(config);
        try
        {
            LoadInto(model, path);
            if (device is not null) model.to(device);
            return model;
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    /// <summary>The <c>config.json</c> in the checkpoint's folder, or null when there is none.</summary>
    public static EncodecConfig? ConfigBeside(string checkpointPath)
    {
        string? folder = Path.GetDirectoryName(Path.GetFullPath(checkpointPath));
        string candidate = Path.Combine(folder ?? ".", "config.json");
        return File.Exists(candidate) ? EncodecConfig.Load(candidate) : null;
    }
}
