using Media.Audio.IO;

namespace Media.Audio.Formats;

/// <summary>
/// Interleaved 16-bit audio resampled piece by piece: one <see cref="IncrementalResampler"/> (the shared
/// <see cref="Resampler"/>'s filter) per channel, converted with <see cref="Pcm16"/>. In all the output
/// holds ceil(inputFrames * outRate / inRate) frames, aligned with the input. Equal rates pass through.
/// </summary>
public sealed class StreamingResampler
{
    readonly IncrementalResampler[]? channelResamplers;
    readonly int channelCount;

    public StreamingResampler(int channels, int inRate, int outRate)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(channels, 1);
        channelCount = channels;
        if (inRate != outRate)
        {
            var resampler = new Resampler(inRate, outRate);
            channelResamplers = [.. Enumerable.Range(0, channels).Select(_ => resampler.Incremental())];
        }
    }

    /// <summary>The next piece; returns the frames it completes.</summary>
    public short[] Process(ReadOnlySpan<short> interleaved)
    {
        if (channelResamplers is null) return interleaved.ToArray();
        var audio = Pcm16.Deinterleave(interleaved, 1, channelCount);
        return Interleave(c => channelResamplers[c].Process(audio.Channels[c]));
    }

    /// <summary>The end of the audio: the frames still owed.</summary>
    public short[] Flush() => channelResamplers is null ? [] : Interleave(c => channelResamplers[c].Flush());

    short[] Interleave(Func<int, float[]> channel)
    {
        var planar = new float[channelCount][];
        for (int c = 0; c < channelCount; c++) planar[c] = channel(c);
        return Pcm16.Interleave(new AudioBuffer(planar, 1));
    }
}
