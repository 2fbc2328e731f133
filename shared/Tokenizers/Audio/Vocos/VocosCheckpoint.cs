using Media.Modeling.Checkpoints;
using Media.Tokenizers.Audio.Codec;
using Media.Tokenizers.Audio.Encodec;
using TorchSharp;
using static TorchSharp.torch;

namespace Media.Tokenizers.Audio.Vocos;

/// <summary>
/// Reads Vocos's public <c>charactr/vocos-encodec-24khz</c> checkpoint (<c>pytorch_model.bin</c>): the decoder under
/// <c>backbone.*</c> and <c>head.out.*</c>, and the EnCodec 24 kHz model whose codes it decodes under
/// <c>feature_extractor.encodec.*</c> (the original repository's layout, weight norm folded on load). Together they are a
/// <see cref="NeuralAudioCodec"/> that encodes with EnCodec and decodes with Vocos.
/// </summary>
public static class VocosCheckpoint
{
    const string EncodecPrefix = "feature_extractor.encodec.";

    /// <summary>The public model's sizes (its <c>config.yaml</c>): 128 inputs, dim 384, 1152, 8 layers, bandwidths 1.5/3/6/12 kbps, n_fft 1280, hop 320.</summary>
    public static VocosConfig Encodec24kHz { get; } = new()
    {
        InputChannels = 128, Dim = 384, IntermediateDim = 1152, NumLayers = 8, ConditionCodebooks = [2, 4, 8, 16], NFft = 1280, HopLength = 320, SampleRate = 24_000,
    };

    /// <summary>
    /// Loads the codec and its Vocos decoder from <paramref name="path"/> (strict: a missing or unknown tensor fails naming it;
    /// the ISTFT's window buffer and the copy of the codebooks Vocos keeps beside the EnCodec model are dropped by name).
    /// </summary>
    public static NeuralAudioCodec LoadEncodec(string path, Device? device = null, VocosConfig? config = null, EncodecConfig? codecConfig = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (!File.Exists(path)) throw new FileNotFoundException($"Vocos checkpoint '{path}' does not exist.", path);
        config ??= Encodec24kHz;
        codecConfig ??= EncodecConfig.Encodec24kHz;
        var state = Checkpoint.Load(path, new CheckpointLoadOptions { FoldWeightNorm = true });
        EncodecModel? codec = null;
        VocosDecoder? decoder = null;
        try
        {
            var unknown = state.Keys.Where(k => !k.StartsWith(EncodecPrefix, StringComparison.Ordinal) && !k.StartsWith("backbone.", StringComparison.Ordinal)
                && !k.StartsWith("head.out.", StringComparison.Ordinal) && k is not ("head.istft.window" or "feature_extractor.codebook_weights")).ToList();
            if (unknown.Count > 0) throw new InvalidDataException($"'{path}' is not a Vocos EnCodec checkpoint: unexpected {string.Join(", ", unknown.Take(5))}.");
            codec = new EncodecModel(codecConfig);
            var codecState = EncodecCheckpoint.Renames.Apply(state.Where(p => p.Key.StartsWith(EncodecPrefix, StringComparison.Ordinal))
                .ToDictionary(p => p.Key[EncodecPrefix.Length..], p => p.Value, StringComparer.Ordinal));
            StateDictLoader.Load(codec, codecState);
            decoder = new VocosDecoder(config);
            StateDictLoader.Load(decoder, state.Where(p => p.Key.StartsWith("backbone.", StringComparison.Ordinal) || p.Key.StartsWith("head.out.", StringComparison.Ordinal))
                .ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal));
            if (device is not null) codec.to(device);
            codec.eval();
            return new NeuralAudioCodec(codec, decoder);
        }
        catch
        {
            decoder?.Dispose();
            codec?.Dispose();
            throw;
        }
        finally
        {
            foreach (var tensor in state.Values) tensor.Dispose();
        }
    }
}
