namespace Media.Audio.Formats;

/// <summary>
/// The seam of one output format: turns interleaved 16-bit PCM, piece by piece as a job makes it, into the
/// bytes of the format. Each call returns what can be sent now, so a streamed answer starts with the
/// first chunk. The sample rate and channel count are those of the first piece and may not change.
/// Instances come from <see cref="AudioEncoders.Create"/>; one encoder makes one file.
/// </summary>
public abstract class AudioEncoder : IDisposable
{
    int sampleRate;
    int channels;

    /// <summary>What this encoder writes (name, content type, file extension).</summary>
    public abstract AudioFormat Format { get; }

    /// <summary>The HTTP content type of the bytes.</summary>
    public string ContentType => Format.ContentType;

    /// <summary>Interleaved samples at <paramref name="sampleRate"/>; returns the bytes to send now.</summary>
    public byte[] Append(ReadOnlySpan<short> interleaved, int sampleRate, int channels)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(sampleRate, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(channels, 1);
        if (interleaved.Length % channels != 0)
            throw new ArgumentException($"{interleaved.Length} samples are not whole frames of {channels} channel(s).", nameof(interleaved));
        if (this.sampleRate == 0)
        {
            this.sampleRate = sampleRate;
            this.channels = channels;
            Begin(sampleRate, channels);
        }
        else if (sampleRate != this.sampleRate || channels != this.channels)
        {
            throw new InvalidOperationException($"The audio changed from {this.sampleRate} Hz x{this.channels} to {sampleRate} Hz x{channels} mid-stream.");
        }
        return Encode(interleaved);
    }

    /// <summary>The last bytes, after the last piece (empty when nothing was appended).</summary>
    public byte[] Finish() => sampleRate == 0 ? [] : Drain();

    /// <summary>A whole signal in one call: <see cref="Append"/> then <see cref="Finish"/>.</summary>
    public byte[] EncodeAll(ReadOnlySpan<short> interleaved, int sampleRate, int channels) =>
        [.. Append(interleaved, sampleRate, channels), .. Finish()];

    protected abstract void Begin(int sampleRate, int channels);

    protected abstract byte[] Encode(ReadOnlySpan<short> interleaved);

    protected abstract byte[] Drain();

    public void Dispose()
    {
        Dispose(disposing: true);
        GC.SuppressFinalize(this);
    }

    protected virtual void Dispose(bool disposing) { }
}
