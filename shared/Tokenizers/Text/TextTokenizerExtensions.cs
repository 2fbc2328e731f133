using TorchSharp;
using static TorchSharp.torch;

namespace Media.Tokenizers.Text;

/// <summary>Fixed-length encoding (truncate, then pad) for any <see cref="ITextTokenizer"/>.</summary>
public static class TextTokenizerExtensions
{
    /// <summary>Encodes, keeps the first <paramref name="maxLength"/> ids, and pads with the pad id up to that length.</summary>
    public static PaddedTokens EncodePadded(this ITextTokenizer tokenizer, string text, int maxLength)
    {
        ArgumentNullException.ThrowIfNull(tokenizer);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxLength);
        var ids = tokenizer.Encode(text);
        int length = Math.Min(ids.Count, maxLength);
        var padded = new int[maxLength];
        for (int i = 0; i < maxLength; i++) padded[i] = i < length ? ids[i] : tokenizer.PadId;
        return new PaddedTokens(padded, length);
    }

    /// <summary>A batch as tensors on <paramref name="device"/>: ids [B, maxLength] (int64) and a mask [B, maxLength] (true = text).</summary>
    public static (Tensor Ids, Tensor Mask) EncodeBatch(this ITextTokenizer tokenizer, IReadOnlyList<string> texts, int maxLength, Device? device = null)
    {
        ArgumentNullException.ThrowIfNull(tokenizer);
        ArgumentNullException.ThrowIfNull(texts);
        if (texts.Count == 0) throw new ArgumentException("No texts to encode.", nameof(texts));
        var ids = new long[texts.Count * maxLength];
        var mask = new bool[texts.Count * maxLength];
        for (int b = 0; b < texts.Count; b++)
        {
            var encoded = tokenizer.EncodePadded(texts[b], maxLength);
            for (int i = 0; i < maxLength; i++)
            {
                ids[b * maxLength + i] = encoded.Ids[i];
                mask[b * maxLength + i] = i < encoded.Length;
            }
        }
        var target = device ?? CPU;
        return (tensor(ids, [texts.Count, maxLength]).to(target), tensor(mask, [texts.Count, maxLength]).to(target));
    }
}
