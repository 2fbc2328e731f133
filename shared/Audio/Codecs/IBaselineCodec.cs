using Media.Audio.IO;

namespace Media.Audio.Codecs;

/// <summary>What a codec did to a clip: the decoded audio (same rate, channels and length as the input) and the bits spent.</summary>
/// <param name="Decoded">Decoded audio aligned sample for sample with the input.</param>
/// <param name="PayloadBytes">Bytes of the encoded representation (packets or code bytes).</param>
/// <param name="BitsPerSecond">Measured rate: 8 * PayloadBytes / input duration.</param>
public sealed record CodecRoundTrip(AudioBuffer Decoded, long PayloadBytes, double BitsPerSecond);

/// <summary>A classical waveform codec that neural codecs are compared against.</summary>
public interface IBaselineCodec
{
    /// <summary>Short name with its setting, for tables ("opus 24 kbps", "mu-law 8 kHz").</summary>
    string Name { get; }

    /// <summary>Encodes and decodes <paramref name="audio"/>, returning output aligned with the input.</summary>
    CodecRoundTrip RoundTrip(AudioBuffer audio);
}
