using static TorchSharp.torch;

namespace Media.Tokenizers.Audio.Codec;

/// <summary>
/// A codec decoder run chunk by chunk: push codes (or their latents), receive the audio already determined; flush for the
/// rest. The concatenation equals the offline decoding of the whole sequence to float rounding.
/// </summary>
public interface ICodecStreamingDecoder : IDisposable
{
    /// <summary>Codes <c>[B, n, f]</c> to the audio <c>[B, channels, t]</c> now determined (t may be 0).</summary>
    Tensor Push(Tensor codes);

    /// <summary>Continuous latents <c>[B, hidden, f]</c> (e.g. a k-means tokenizer's centroids) to the audio now determined.</summary>
    Tensor PushLatents(Tensor latents);

    /// <summary>Ends the stream and returns the remaining audio.</summary>
    Tensor Flush();
}
