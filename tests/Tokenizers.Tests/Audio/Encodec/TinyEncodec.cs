using Media.Tokenizers.Audio.Encodec;
using static TorchSharp.torch;

namespace Media.Tokenizers.Tests.Audio.Encodec;

/// <summary>A few-thousand-parameter EnCodec with the real hop (320) and layer layout, for fast tests.</summary>
static class TinyEncodec
{
    /// <summary>4 filters, 8-dim latents, 4 codebooks of 16 (0.3 kbps each at 75 Hz).</summary>
    public static EncodecConfig Config { get; } = new()
    {
        NumFilters = 4,
        HiddenSize = 8,
        CodebookSize = 16,
        TargetBandwidths = [0.6, 1.2],
    };

    public static EncodecModel Create(int seed = 1)
    {
        manual_seed(seed);
        return new EncodecModel(Config);
    }

    /// <summary>Deterministic test audio in [-0.5, 0.5]: two tones and noise.</summary>
    public static Tensor Audio(long batch, long samples, int seed = 2)
    {
        using var scope = NewDisposeScope();
        var t = arange(samples, dtype: ScalarType.Float32) / 24_000f;
        var tones = (0.3f * sin(2 * Math.PI * 220 * t) + 0.1f * sin(2 * Math.PI * 1375 * t)).expand(batch, 1, samples);
        var noise = 0.1f * randn([batch, 1, samples], generator: new TorchSharp.torch.Generator((ulong)seed));
        return (tones + noise).clamp(-0.5, 0.5).MoveToOuterDisposeScope();
    }

    /// <summary>Same shape and every element equal.</summary>
    public static bool Same(Tensor a, Tensor b) => a.shape.SequenceEqual(b.shape) && eq(a, b).all().item<bool>();
}
