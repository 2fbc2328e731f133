using System.Buffers.Binary;
using Media.Audio.IO;

namespace Media.Audio.Formats;

/// <summary>
/// A WAV file written while its length is still unknown: the RIFF and data sizes are 0xFFFFFFFF (the
/// usual mark of a streamed WAV, which players read to the end of the stream), then the PCM as it comes.
/// </summary>
public sealed class WavStreamEncoder : AudioEncoder
{
    byte[] header = [];

    public override AudioFormat Format => AudioFormat.Wav;

    protected override void Begin(int sampleRate, int channels)
    {
        header = new byte[44];
        "RIFF"u8.CopyTo(header);
        BinaryPrimitives.WriteUInt32LittleEndian(header.AsSpan(4), uint.MaxValue);
        "WAVEfmt "u8.CopyTo(header.AsSpan(8));
        BinaryPrimitives.WriteInt32LittleEndian(header.AsSpan(16), 16);
        BinaryPrimitives.WriteInt16LittleEndian(header.AsSpan(20), 1); // PCM
        BinaryPrimitives.WriteInt16LittleEndian(header.AsSpan(22), (short)channels);
        BinaryPrimitives.WriteInt32LittleEndian(header.AsSpan(24), sampleRate);
        BinaryPrimitives.WriteInt32LittleEndian(header.AsSpan(28), sampleRate * channels * 2);
        BinaryPrimitives.WriteInt16LittleEndian(header.AsSpan(32), (short)(channels * 2));
        BinaryPrimitives.WriteInt16LittleEndian(header.AsSpan(34), 16);
        "data"u8.CopyTo(header.AsSpan(36));
        BinaryPrimitives.WriteUInt32LittleEndian(header.AsSpan(40), uint.MaxValue);
    }

    protected override byte[] Encode(ReadOnlySpan<short> interleaved)
    {
        byte[] pcm = Pcm16.ToBytes(interleaved);
        if (header.Length == 0) return pcm;
        byte[] first = [.. header, .. pcm];
        header = [];
        return first;
    }

    protected override byte[] Drain() => [];
}
