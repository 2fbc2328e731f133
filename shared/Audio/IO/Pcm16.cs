using System.Buffers.Binary;

namespace Media.Audio.IO;

/// <summary>
/// The one conversion between float samples in [-1, 1] and 16-bit PCM used everywhere (WAV files, streamed
/// chunks, encoders): scale by 2^15 = 32768, round, clip to [-32768, 32767]; back by dividing by 32768. A
/// 16-bit sample read and written back is bit-exact, so a streamed chunk and the stored WAV of the same
/// audio hold the same numbers.
/// </summary>
public static class Pcm16
{
    /// <summary>The scale between a full-range float and a 16-bit sample.</summary>
    public const float Scale = 32768f;

    /// <summary>A float sample as 16-bit PCM (NaN becomes silence, out-of-range values clip).</summary>
    public static short FromFloat(float x) =>
        float.IsNaN(x) ? (short)0 : (short)Math.Clamp(Math.Round(x * (double)Scale), short.MinValue, short.MaxValue);

    /// <summary>A 16-bit sample as a float in [-1, 1).</summary>
    public static float ToFloat(short s) => s / Scale;

    /// <summary>Float samples as 16-bit samples.</summary>
    public static short[] FromFloats(ReadOnlySpan<float> samples)
    {
        var output = new short[samples.Length];
        for (int i = 0; i < samples.Length; i++) output[i] = FromFloat(samples[i]);
        return output;
    }

    /// <summary>Frames <paramref name="start"/>..+<paramref name="count"/> of <paramref name="audio"/>, interleaved 16-bit.</summary>
    public static short[] Interleave(AudioBuffer audio, int start = 0, int count = -1)
    {
        ArgumentNullException.ThrowIfNull(audio);
        if (count < 0) count = audio.Length - start;
        ArgumentOutOfRangeException.ThrowIfNegative(start);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(start + count, audio.Length);
        int channels = audio.ChannelCount;
        var output = new short[count * channels];
        for (int f = 0; f < count; f++)
            for (int c = 0; c < channels; c++)
                output[f * channels + c] = FromFloat(audio.Channels[c][start + f]);
        return output;
    }

    /// <summary>Interleaved 16-bit samples as planar audio at <paramref name="sampleRate"/>.</summary>
    public static AudioBuffer Deinterleave(ReadOnlySpan<short> interleaved, int sampleRate, int channels)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(channels, 1);
        if (interleaved.Length % channels != 0)
            throw new ArgumentException($"{interleaved.Length} samples are not whole frames of {channels} channel(s).", nameof(interleaved));
        int frames = interleaved.Length / channels;
        var planar = new float[channels][];
        for (int c = 0; c < channels; c++)
        {
            planar[c] = new float[frames];
            for (int f = 0; f < frames; f++) planar[c][f] = ToFloat(interleaved[f * channels + c]);
        }
        return new AudioBuffer(planar, sampleRate);
    }

    /// <summary>Float samples as 16-bit little-endian PCM bytes.</summary>
    public static byte[] ToBytes(ReadOnlySpan<float> samples) => ToBytes(FromFloats(samples));

    /// <summary>Frames of <paramref name="audio"/> as interleaved 16-bit little-endian PCM bytes.</summary>
    public static byte[] ToBytes(AudioBuffer audio, int start = 0, int count = -1) => ToBytes(Interleave(audio, start, count));

    /// <summary>16-bit samples as little-endian bytes.</summary>
    public static byte[] ToBytes(ReadOnlySpan<short> samples)
    {
        var bytes = new byte[samples.Length * 2];
        for (int i = 0; i < samples.Length; i++) BinaryPrimitives.WriteInt16LittleEndian(bytes.AsSpan(2 * i), samples[i]);
        return bytes;
    }

    /// <summary>16-bit little-endian PCM bytes as samples.</summary>
    public static short[] FromBytes(ReadOnlySpan<byte> pcm16)
    {
        if (pcm16.Length % 2 != 0) throw new ArgumentException("16-bit PCM has an even number of bytes.", nameof(pcm16));
        var samples = new short[pcm16.Length / 2];
        for (int i = 0; i < samples.Length; i++) samples[i] = BinaryPrimitives.ReadInt16LittleEndian(pcm16[(2 * i)..]);
        return samples;
    }
}
