using Media.Modeling.Checkpoints;
using TorchSharp;
using static TorchSharp.torch;

namespace Media.Tokenizers.Image;

/// <summary>
/// Loads FoundationVision/LlamaGen VQ checkpoints (<c>vq_ds16_c2i.pt</c>, <c>vq_ds16_t2i.pt</c>): a
/// PyTorch file whose state dict sits under "model" (or bare, or under another wrapper the shared
/// unwrapper knows), or a safetensors file with the same keys. The keys are LlamaGen's own, so no
/// renaming happens; loading is strict. The <c>quantize.codebook_used</c> buffer only exists when
/// LlamaGen trained with show_usage, so the model is built with or without it to match the file.
/// </summary>
public static class LlamaGenVqCheckpoint
{
    const string UsageKey = "quantize.codebook_used";

    /// <summary>
    /// Builds a model for <paramref name="config"/> (default <see cref="VqConfig.Vq16"/>) and loads
    /// <paramref name="path"/> into it, in eval mode. A checkpoint whose keys or shapes differ from the
    /// config throws <see cref="StateDictMismatchException"/> listing them.
    /// </summary>
    public static VqModel Load(string path, VqConfig? config = null, Device? device = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (!File.Exists(path)) throw new FileNotFoundException($"No checkpoint at '{path}'.", path);
        config ??= VqConfig.Vq16;
        var state = Checkpoint.Load(path, new CheckpointLoadOptions { FloatDtype = ScalarType.Float32 });
        try
        {
            return Checkpoint.LoadModel(new VqModel(config with { ShowUsage = state.ContainsKey(UsageKey) }), state, device);
        }
        finally
        {
            foreach (var tensor in state.Values) tensor.Dispose();
        }
    }
}
