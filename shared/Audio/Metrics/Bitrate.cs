namespace Media.Audio.Metrics;

/// <summary>Bitrate arithmetic in bits per second, so every codec in a comparison is counted the same way.</summary>
public static class Bitrate
{
    /// <summary>Measured rate of an encoded payload: 8 * bytes / seconds of audio it represents.</summary>
    public static double OfPayload(long bytes, double seconds)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(bytes);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(seconds, 0);
        return 8.0 * bytes / seconds;
    }

    /// <summary>Rate of discrete tokens: frames per second * codebooks * log2(codebook size).</summary>
    public static double OfTokens(double frameRate, int codebooks, int codebookSize)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(frameRate, 0);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(codebooks, 0);
        ArgumentOutOfRangeException.ThrowIfLessThan(codebookSize, 2);
        return frameRate * codebooks * Math.Log2(codebookSize);
    }

    /// <summary>Rate of uncompressed PCM: sample rate * bits per sample * channels.</summary>
    public static double OfPcm(int sampleRate, int bitsPerSample, int channels = 1)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(sampleRate, 0);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(bitsPerSample, 0);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(channels, 0);
        return (double)sampleRate * bitsPerSample * channels;
    }
}
