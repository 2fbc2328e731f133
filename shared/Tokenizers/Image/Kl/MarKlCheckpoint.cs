using Media.Modeling.Checkpoints;
using TorchSharp;
using static TorchSharp.torch;

namespace Media.Tokenizers.Image.Kl;

/// <summary>
/// Loads MAR's KL-16 tokenizer (<c>kl16.ckpt</c>, or a safetensors file with the same keys): the
/// state dict sits under "model". Latent diffusion checkpoints may also carry the training loss's
/// discriminator and LPIPS weights under <c>loss.</c>; those are not part of the autoencoder and are
/// skipped. Everything else must match <paramref name="config"/> exactly.
/// </summary>
public static class MarKlCheckpoint
{
    /// <summary>Builds a model for <paramref name="config"/> (default <see cref="KlConfig.Kl16"/>) and loads <paramref name="path"/> into it, in eval mode.</summary>
    public static AutoencoderKl Load(string path, KlConfig? config = null, Device? device = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (!File.Exists(path)) throw new FileNotFoundException($"No checkpoint at '{path}'.", path);
        var state = Checkpoint.Load(path, new CheckpointLoadOptions { FloatDtype = ScalarType.Float32 });
        try
        {
            var autoencoder = state.Where(kv => !kv.Key.StartsWith("loss.", StringComparison.Ordinal))
                .ToDictionary(kv => kv.Key, kv => kv.Value, StringComparer.Ordinal);
            return Checkpoint.LoadModel(new AutoencoderKl(config ?? KlConfig.Kl16), autoencoder, device);
        }
        finally
        {
            foreach (var tensor in state.Values) tensor.Dispose();
        }
    }
}
