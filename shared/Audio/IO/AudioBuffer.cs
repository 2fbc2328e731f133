namespace Media.Audio.IO;

/// <summary>
/// Planar float audio: <c>Channels[c][n]</c> in [-1, 1] at <see cref="SampleRate"/> Hz. Every channel has
/// the same length. The arrays are shared, not copied, so treat a buffer as immutable once made.
/// </summary>
public sealed class AudioBuffer
{
    /// <summary>Wraps planar channels (at least one, all the same length) at a positive sample rate.</summary>
    public AudioBuffer(float[][] channels, int sampleRate)
    {
        ArgumentNullException.ThrowIfNull(channels);
        if (channels.Length == 0) throw new ArgumentException("Audio needs at least one channel.", nameof(channels));
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(sampleRate, 0);
        int length = channels[0]?.Length ?? throw new ArgumentException("Channel 0 is null.", nameof(channels));
        for (int c = 1; c < channels.Length; c++)
        {
            if (channels[c] is null) throw new ArgumentException($"Channel {c} is null.", nameof(channels));
            if (channels[c].Length != length)
                throw new ArgumentException($"Channel {c} has {channels[c].Length} samples but channel 0 has {length}.", nameof(channels));
        }
        Channels = channels;
        SampleRate = sampleRate;
    }

    /// <summary>One array per channel.</summary>
    public float[][] Channels { get; }

    /// <summary>Samples per second.</summary>
    public int SampleRate { get; }

    /// <summary>Number of channels (1 mono, 2 stereo).</summary>
    public int ChannelCount => Channels.Length;

    /// <summary>Samples per channel.</summary>
    public int Length => Channels[0].Length;

    /// <summary>Length in seconds.</summary>
    public double DurationSeconds => (double)Length / SampleRate;

    /// <summary>A mono buffer over <paramref name="samples"/> (not copied).</summary>
    public static AudioBuffer FromMono(float[] samples, int sampleRate)
    {
        ArgumentNullException.ThrowIfNull(samples);
        return new AudioBuffer([samples], sampleRate);
    }

    /// <summary>The mean of the channels (a copy for multichannel audio, the channel itself for mono).</summary>
    public float[] ToMonoSamples()
    {
        if (ChannelCount == 1) return Channels[0];
        var mono = new float[Length];
        float scale = 1f / ChannelCount;
        foreach (var channel in Channels)
            for (int i = 0; i < mono.Length; i++) mono[i] += channel[i] * scale;
        return mono;
    }

    /// <summary>
    /// The same audio with <paramref name="channelCount"/> channels: many -> 1 averages, 1 -> many
    /// duplicates; other conversions (e.g. 3 -> 2) have no single right answer and are refused.
    /// </summary>
    public AudioBuffer WithChannels(int channelCount)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(channelCount, 0);
        if (channelCount == ChannelCount) return this;
        if (channelCount == 1) return FromMono(ToMonoSamples(), SampleRate);
        if (ChannelCount == 1)
        {
            var channels = new float[channelCount][];
            for (int c = 0; c < channelCount; c++) channels[c] = (float[])Channels[0].Clone();
            return new AudioBuffer(channels, SampleRate);
        }
        throw new ArgumentException($"Cannot convert {ChannelCount} channels to {channelCount}; only mono <-> N is defined.", nameof(channelCount));
    }

    /// <summary>The same audio at <paramref name="targetRate"/> Hz through the band-limited <see cref="Resampler"/>.</summary>
    public AudioBuffer Resample(int targetRate)
    {
        if (targetRate == SampleRate) return this;
        var resampler = new Resampler(SampleRate, targetRate);
        var channels = new float[ChannelCount][];
        for (int c = 0; c < ChannelCount; c++) channels[c] = resampler.Process(Channels[c]);
        return new AudioBuffer(channels, targetRate);
    }
}
