namespace Media.Gateway.Apis.OpenAi.Audio;

/// <summary>
/// Turns 16-bit PCM, piece by piece as a speech job makes it, into the bytes of one response format.
/// Each call returns what can be sent now, so a streamed answer starts with the first chunk. The
/// sample rate and channel count are those of the first piece and may not change.
/// </summary>
internal abstract class SpeechEncoder : IDisposable
{
    int _sampleRate;
    int _channels;

    /// <summary>The formats this service writes (OpenAI's mp3, aac and flac need encoders this build does not have).</summary>
    public static readonly string[] Formats = ["wav", "pcm", "opus"];

    public abstract string ContentType { get; }

    public static SpeechEncoder Create(string format) => format switch
    {
        "wav" => new WavStreamEncoder(),
        "pcm" => new PcmStreamEncoder(),
        "opus" => new OggOpusEncoder(),
        _ => throw new ArgumentException($"Unknown speech format '{format}'; one of {string.Join(", ", Formats)}.", nameof(format)),
    };

    /// <summary>Interleaved samples at <paramref name="sampleRate"/>; returns the bytes to send now.</summary>
    public byte[] Append(ReadOnlySpan<short> interleaved, int sampleRate, int channels)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(sampleRate, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(channels, 1);
        if (interleaved.Length % channels != 0)
            throw new ArgumentException($"{interleaved.Length} samples are not whole frames of {channels} channel(s).", nameof(interleaved));
        if (_sampleRate == 0)
        {
            _sampleRate = sampleRate;
            _channels = channels;
            Begin(sampleRate, channels);
        }
        else if (sampleRate != _sampleRate || channels != _channels)
        {
            throw new InvalidOperationException($"The audio changed from {_sampleRate} Hz x{_channels} to {sampleRate} Hz x{channels} mid-stream.");
        }
        return Encode(interleaved);
    }

    /// <summary>The last bytes, after the last piece (empty when nothing was appended).</summary>
    public byte[] Finish() => _sampleRate == 0 ? [] : End();

    protected abstract void Begin(int sampleRate, int channels);

    protected abstract byte[] Encode(ReadOnlySpan<short> interleaved);

    protected abstract byte[] End();

    public virtual void Dispose() => GC.SuppressFinalize(this);

    /// <summary>16-bit little-endian PCM bytes as samples.</summary>
    public static short[] Samples(ReadOnlySpan<byte> pcm16)
    {
        if (pcm16.Length % 2 != 0) throw new ArgumentException("16-bit PCM has an even number of bytes.", nameof(pcm16));
        var samples = new short[pcm16.Length / 2];
        for (int i = 0; i < samples.Length; i++) samples[i] = System.Buffers.Binary.BinaryPrimitives.ReadInt16LittleEndian(pcm16[(2 * i)..]);
        return samples;
    }

    /// <summary>Samples as 16-bit little-endian PCM bytes.</summary>
    public static byte[] Bytes(ReadOnlySpan<short> samples)
    {
        var bytes = new byte[samples.Length * 2];
        for (int i = 0; i < samples.Length; i++) System.Buffers.Binary.BinaryPrimitives.WriteInt16LittleEndian(bytes.AsSpan(2 * i), samples[i]);
        return bytes;
    }
}
