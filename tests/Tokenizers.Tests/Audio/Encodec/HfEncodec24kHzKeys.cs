namespace Media.Tokenizers.Tests.Audio.Encodec;

/// <summary>
/// The state dict of HF <c>EncodecModel</c> for facebook/encodec_24khz, generated from the layer rule in
/// MODELS.md (not from our module code): names, shapes, and which convolutions are transposed.
/// </summary>
static class HfEncodec24kHzKeys
{
    public sealed record Entry(long[] Shape, bool WeightNormed, bool Transposed);

    public static IReadOnlyDictionary<string, Entry> Build()
    {
        var keys = new Dictionary<string, Entry>(StringComparer.Ordinal);
        void Conv(string prefix, long output, long input, long kernel, bool transposed = false)
        {
            // Conv1d weight [out, in, k]; ConvTranspose1d weight [in, out, k] with bias [out].
            keys[prefix + ".conv.weight"] = new(transposed ? [input, output, kernel] : [output, input, kernel], true, transposed);
            keys[prefix + ".conv.bias"] = new([output], false, false);
        }
        void ResBlock(string prefix, long dim)
        {
            Conv(prefix + ".block.1", dim / 2, dim, 3);
            Conv(prefix + ".block.3", dim, dim / 2, 1);
            Conv(prefix + ".shortcut", dim, dim, 1);
        }
        void Lstm(string prefix, long dim)
        {
            for (int layer = 0; layer < 2; layer++)
            {
                keys[$"{prefix}.lstm.weight_ih_l{layer}"] = new([4 * dim, dim], false, false);
                keys[$"{prefix}.lstm.weight_hh_l{layer}"] = new([4 * dim, dim], false, false);
                keys[$"{prefix}.lstm.bias_ih_l{layer}"] = new([4 * dim], false, false);
                keys[$"{prefix}.lstm.bias_hh_l{layer}"] = new([4 * dim], false, false);
            }
        }

        // Encoder: 0 conv; levels at 1-3, 4-6, 7-9, 10-12 = [ResBlock, ELU, strided conv] for strides 2, 4, 5, 8; 13 LSTM; 14 ELU; 15 conv.
        Conv("encoder.layers.0", 32, 1, 7);
        int[] encoderStrides = [2, 4, 5, 8];
        for (int level = 0; level < 4; level++)
        {
            long width = 32L << level;
            ResBlock($"encoder.layers.{1 + 3 * level}", width);
            Conv($"encoder.layers.{3 + 3 * level}", 2 * width, width, 2 * encoderStrides[level]);
        }
        Lstm("encoder.layers.13", 512);
        Conv("encoder.layers.15", 128, 512, 7);

        // Decoder: 0 conv; 1 LSTM; levels at 2-4, 5-7, 8-10, 11-13 = [ELU, transposed conv, ResBlock] for strides 8, 5, 4, 2; 14 ELU; 15 conv.
        Conv("decoder.layers.0", 512, 128, 7);
        Lstm("decoder.layers.1", 512);
        int[] decoderStrides = [8, 5, 4, 2];
        for (int level = 0; level < 4; level++)
        {
            long width = 512L >> level;
            Conv($"decoder.layers.{3 + 3 * level}", width / 2, width, 2 * decoderStrides[level], transposed: true);
            ResBlock($"decoder.layers.{4 + 3 * level}", width / 2);
        }
        Conv("decoder.layers.15", 1, 32, 7);

        for (int k = 0; k < 32; k++)
        {
            keys[$"quantizer.layers.{k}.codebook.inited"] = new([1], false, false);
            keys[$"quantizer.layers.{k}.codebook.cluster_size"] = new([1024], false, false);
            keys[$"quantizer.layers.{k}.codebook.embed"] = new([1024, 128], false, false);
            keys[$"quantizer.layers.{k}.codebook.embed_avg"] = new([1024, 128], false, false);
        }
        return keys;
    }

    /// <summary>
    /// The same key in the original facebookresearch/encodec layout: <c>model</c> for <c>layers</c>,
    /// SConv1d/NormConv1d's double <c>conv.conv</c> (<c>convtr.convtr</c> when transposed), <c>vq.layers.{k}._codebook</c>.
    /// </summary>
    public static string OriginalName(string hfKey, Entry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        if (hfKey.StartsWith("quantizer.layers.", StringComparison.Ordinal))
            return "quantizer.vq.layers." + hfKey["quantizer.layers.".Length..].Replace(".codebook.", "._codebook.", StringComparison.Ordinal);
        string[] parts = hfKey.Split('.');
        parts[1] = "model";
        string key = string.Join('.', parts);
        int conv = key.LastIndexOf(".conv.", StringComparison.Ordinal);
        if (conv < 0) return key; // LSTM
        string inner = IsTransposedLayer(hfKey) ? ".convtr.convtr." : ".conv.conv.";
        return key[..conv] + inner + key[(conv + ".conv.".Length)..];
    }

    static bool IsTransposedLayer(string hfKey) =>
        hfKey.StartsWith("decoder.layers.", StringComparison.Ordinal) && hfKey.Split('.')[2] is "3" or "6" or "9" or "12"
        && hfKey.Split('.').Length == 5;
}
