using Media.Audio.Metrics;

namespace Media.Audio.Codecs;

/// <summary>
/// Opus packets of one clip with what decoding needs to restore alignment: the codec rate and frame
/// size, the encoder's lookahead (decoded audio starts that many samples late), and the input's rate and
/// length (the tail was zero-padded to whole frames).
/// </summary>
public sealed record OpusPackets(
    IReadOnlyList<byte[]> Packets, int CodecRate, int Channels, int FrameSize, int Lookahead, int InputRate, int InputLength)
{
    /// <summary>Sum of packet sizes.</summary>
    public long PayloadBytes => Packets.Sum(p => (long)p.Length);

    /// <summary>Measured bitrate over the input's duration.</summary>
    public double BitsPerSecond => Bitrate.OfPayload(PayloadBytes, (double)InputLength / InputRate);
}
