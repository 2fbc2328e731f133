using System.Buffers.Binary;
using Media.Audio.IO;

namespace Media.Audio.Formats;

/// <summary>
/// A WAV file written while its length is still unknown: the RIFF and data sizes are 0xFFFFFFFF (the
/// usual mark of a streamed WAV, which players read to the end of the stream), then the PCM as it comes.
/// </summary>
public sealed class WavStreamEncoder : AudioEncoder
{
    byte[] _header = [];

    public override AudioFormat Format => AudioFormat.Wav;

    protected override void Begin(int sampleRate, int channels)
    {
        _header = new byte[44];
        "RIFF"u8.CopyTo(_header);
        BinaryPrimitives.WriteUInt32LittleEndian(_header.AsSpan(4), uint.MaxValue);
        "WAVEfmt "u8.CopyTo(_header.AsSpan(8));
        BinaryPrimitives.WriteInt32LittleEndian(_header.AsSpan(16), 16);
        BinaryPrimitives.WriteInt16LittleEndian(_header.AsSpan(20), 1); // PCM
        BinaryPrimitives.WriteInt16LittleEndian(_header.AsSpan(22), (short)channels);
        BinaryPrimitives.WriteInt32LittleEndian(_header.AsSpan(24), sampleRate);
        BinaryPrimitives.WriteInt32LittleEndian(_header.AsSpan(28), sampleRate * channels * 2);
        BinaryPrimitives.WriteInt16LittleEndian(_header.AsSpan(32), (short)(channels * 2));
        BinaryPrimitives.WriteInt16LittleEndian(_header.AsSpan(34), 16);
        "data"u8.CopyTo(_header.AsSpan(36));
        BinaryPrimitives.WriteUInt32LittleEndian(_header.AsSpan(40), uint.MaxValue);
    }

    protected override byte[] Encode(ReadOnlySpan<short> interleaved)
    {
        byte[] pcm = Pcm16.ToBytes(interleaved);
        if (_header.Length == 0) return pcm;
        byte[] first = [.. _header, .. pcm];
        _header = [];
        return first;
    }

    protected override byte[] Drain() => [];
}
