using System.Text.RegularExpressions;
using Media.Modeling.Checkpoints;
using TorchSharp;
using static TorchSharp.torch;

namespace Media.Tokenizers.Image.DAr;

/// <summary>
/// Reads D-AR's public tokenizer checkpoints (showlab/D-AR <c>vq_model.py</c> keys: a PyTorch file wrapped under "model",
/// "module" or "state_dict", or safetensors) into <see cref="DArTokenizer"/>. The differences from our modules: separate
/// <c>attention.{q,k,v}</c> / <c>cross_attn.{q,k,v}</c> Linears (fused here into <c>wqkv</c>, rows q, k, v), <c>proj</c> for
/// <c>wo</c>, the tokenizer blocks' <c>attention</c> for <c>attn</c>, 1x1 and stride-p convolutions (<c>patchify</c>,
/// <c>quant_in_conv</c>, <c>quant_out_conv</c>, <c>conv_in</c>, <c>conv_out</c>) held as Linears over unfolded patches, the
/// decoder under <c>diff_decoder.net.</c> with each block's <c>time_embed</c> kept beside the blocks, and REPA's projector
/// (<c>repa_out</c>, training only) dropped.
/// </summary>
public static class DArTokenizerCheckpoint
{
    /// <summary>Loads <paramref name="path"/> into a new tokenizer of <paramref name="config"/> (default: D-AR tokenizer v1), strictly, in eval mode.</summary>
    public static DArTokenizer Load(string path, DArTokenizerConfig? config = null, Device? device = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var state = Checkpoint.Load(path, new CheckpointLoadOptions { FloatDtype = ScalarType.Float32 });
        try
        {
            using var converted = new DisposableState(Convert(state));
            return Checkpoint.LoadModel(new DArTokenizer(config ?? DArTokenizerConfig.PublicV1), converted.State, device);
        }
        finally
        {
            foreach (var tensor in state.Values) tensor.Dispose();
        }
    }

    static readonly Regex Qkv = new(@"^(?<prefix>.*)\.(?<attn>attention|cross_attn)\.(?<part>q|k|v)\.(?<kind>weight|bias)$", RegexOptions.CultureInvariant);

    /// <summary>D-AR's state dict in our key names and shapes (new tensors; the input is left as is).</summary>
    public static Dictionary<string, Tensor> Convert(IReadOnlyDictionary<string, Tensor> state)
    {
        ArgumentNullException.ThrowIfNull(state);
        var result = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        var fused = new Dictionary<string, Tensor?[]>(StringComparer.Ordinal);
        foreach (var (original, tensor) in state)
        {
            string key = original.StartsWith("diff_decoder.net.", StringComparison.Ordinal) ? "diff_decoder." + original["diff_decoder.net.".Length..] : original;
            if (key.StartsWith("diff_decoder.repa_out.", StringComparison.Ordinal)) continue;
            key = Regex.Replace(key, @"^diff_decoder\.blocks\.(\d+)\.time_embed\.", "diff_decoder.time_embeds.$1.");
            if (Qkv.Match(key) is { Success: true } m)
            {
                string attn = m.Groups["attn"].Value == "attention" ? "attn" : "cross_attn";
                string target = $"{m.Groups["prefix"].Value}.{attn}.wqkv.{m.Groups["kind"].Value}";
                var parts = fused.TryGetValue(target, out var p) ? p : fused[target] = new Tensor?[3];
                parts["qkv".IndexOf(m.Groups["part"].Value, StringComparison.Ordinal)] = tensor;
                continue;
            }
            key = Regex.Replace(key, @"\.attention\.(q_norm|k_norm)\.", ".attn.$1.");
            key = Regex.Replace(key, @"\.attention\.proj\.", ".attn.wo.");
            key = Regex.Replace(key, @"\.cross_attn\.proj\.", ".cross_attn.wo.");
            // Convolutions whose weights are [out, in, kh, kw] become Linears over the unfolded patch [out, in kh kw].
            bool conv = key is "patchify.weight" or "quant_in_conv.weight" or "quant_out_conv.weight" or "diff_decoder.conv_in.weight" or "diff_decoder.conv_out.weight";
            result[key] = conv && tensor.dim() == 4 ? tensor.reshape(tensor.shape[0], -1).clone() : tensor.clone();
        }
        foreach (var (key, parts) in fused)
        {
            if (parts.Any(p => p is null)) throw new InvalidDataException($"The checkpoint has only some of q, k and v for '{key}'.");
            result[key] = cat(parts!, 0);
        }
        return result;
    }

    sealed class DisposableState(Dictionary<string, Tensor> state) : IDisposable
    {
        public Dictionary<string, Tensor> State => state;

        public void Dispose()
        {
            foreach (var tensor in state.Values) tensor.Dispose();
        }
    }
}
