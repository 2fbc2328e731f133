using Media.Modeling.Transformers;
using TorchSharp;
using static TorchSharp.torch;

namespace Media.Modeling.Tests.Transformers;

/// <summary>Tiny seeded decoders and comparison helpers shared by the transformer and serving tests.</summary>
internal static class TinyDecoder
{
    static readonly Lock SeedGate = new();

    public static TransformerConfig Config(RotarySpec? rope = null, int nKvHead = 2, int maxSeqLen = 40) =>
        new(Dim: 32, NLayer: 2, NHead: 4, NKvHead: nKvHead, VocabSize: 50, MultipleOf: 16, MaxSeqLen: maxSeqLen)
        { Rope = rope ?? RotarySpec.OneD() };

    /// <summary>A decoder in eval mode whose weights depend only on <paramref name="seed"/>.</summary>
    public static DecoderTransformer Create(TransformerConfig? config = null, int seed = 1)
    {
        lock (SeedGate)
        {
            torch.manual_seed(seed);
            var model = new DecoderTransformer(config ?? Config());
            model.eval();
            return model;
        }
    }

    public static Tensor RandomTokens(long rows, long length, int vocab, int seed)
    {
        var g = new Generator((ulong)seed);
        return randint(0, vocab, [rows, length], generator: g, dtype: ScalarType.Int64);
    }

    public static Tensor RandomNormal(long[] shape, int seed)
    {
        var g = new Generator((ulong)seed);
        return randn(shape, generator: g);
    }

    public static double MaxAbsDiff(Tensor a, Tensor b) => (a - b).abs().max().item<float>();
}
