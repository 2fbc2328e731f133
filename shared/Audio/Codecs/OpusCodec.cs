using Concentus;
using Concentus.Enums;
using Media.Audio.IO;

namespace Media.Audio.Codecs;

/// <summary>
/// Opus (RFC 6716) through Concentus, the managed port of libopus, at a target bitrate. Audio is coded at
/// the lowest Opus rate (8/12/16/24/48 kHz) that holds the input's bandwidth and resampled back after
/// decoding; the tail is zero-padded to whole frames plus the encoder lookahead, and the decoded signal
/// is shifted by that lookahead, so output sample n lines up with input sample n. VBR as libopus
/// defaults (constrained), complexity 10, application "audio" unless told otherwise.
/// </summary>
public sealed class OpusCodec : IBaselineCodec
{
    /// <summary>Sample rates Opus codes natively.</summary>
    public static IReadOnlyList<int> SupportedRates { get; } = [8000, 12000, 16000, 24000, 48000];

    static readonly double[] FrameDurations = [2.5, 5, 10, 20, 40, 60];
    const int MaxPacketBytes = 4000;

    /// <summary>An Opus codec at <paramref name="bitsPerSecond"/> (6000..510000) with frames of <paramref name="frameMilliseconds"/>.</summary>
    public OpusCodec(int bitsPerSecond, double frameMilliseconds = 20, bool voiceApplication = false, int complexity = 10)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(bitsPerSecond, 6000);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(bitsPerSecond, 510000);
        if (!FrameDurations.Contains(frameMilliseconds))
            throw new ArgumentException($"Opus frames last 2.5, 5, 10, 20, 40 or 60 ms; got {frameMilliseconds}.", nameof(frameMilliseconds));
        ArgumentOutOfRangeException.ThrowIfNegative(complexity);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(complexity, 10);
        TargetBitsPerSecond = bitsPerSecond;
        FrameMilliseconds = frameMilliseconds;
        Application = voiceApplication ? OpusApplication.OPUS_APPLICATION_VOIP : OpusApplication.OPUS_APPLICATION_AUDIO;
        Complexity = complexity;
    }

    /// <summary>Requested bitrate.</summary>
    public int TargetBitsPerSecond { get; }

    /// <summary>Frame duration.</summary>
    public double FrameMilliseconds { get; }

    /// <summary>Encoder application mode.</summary>
    public OpusApplication Application { get; }

    /// <summary>Encoder complexity 0..10.</summary>
    public int Complexity { get; }

    /// <inheritdoc/>
    public string Name => $"opus {TargetBitsPerSecond / 1000.0:0.#} kbps";

    /// <summary>The Opus rate used for input at <paramref name="inputRate"/>: the smallest supported rate at or above it, at most 48 kHz.</summary>
    public static int CodecRateFor(int inputRate) => SupportedRates.FirstOrDefault(r => r >= inputRate, 48000);

    /// <summary>Encodes mono or stereo audio to packets.</summary>
    public OpusPackets Encode(AudioBuffer audio)
    {
        ArgumentNullException.ThrowIfNull(audio);
        if (audio.ChannelCount > 2) throw new ArgumentException($"Opus codes mono or stereo; got {audio.ChannelCount} channels.", nameof(audio));
        int rate = CodecRateFor(audio.SampleRate);
        var resampled = audio.Resample(rate);
        int channels = audio.ChannelCount;
        int frameSize = (int)(rate * FrameMilliseconds / 1000);

        // The factory picks a native libopus where the platform has one, else the managed port; both are Opus.
        using var encoder = OpusCodecFactory.CreateEncoder(rate, channels, Application);
        encoder.Bitrate = TargetBitsPerSecond;
        encoder.Complexity = Complexity;
        encoder.UseVBR = true;
        encoder.UseConstrainedVBR = true;
        int lookahead = encoder.Lookahead;
        int frames = (resampled.Length + lookahead + frameSize - 1) / frameSize;
        var interleaved = new float[frames * frameSize * channels];
        for (int i = 0; i < resampled.Length; i++)
            for (int c = 0; c < channels; c++)
                interleaved[i * channels + c] = resampled.Channels[c][i];

        var packets = new List<byte[]>(frames);
        var buffer = new byte[MaxPacketBytes];
        for (int f = 0; f < frames; f++)
        {
            int written = encoder.Encode(interleaved.AsSpan(f * frameSize * channels, frameSize * channels), frameSize, buffer, buffer.Length);
            if (written < 0) throw new InvalidOperationException($"Opus encoder failed on frame {f} (error {written}).");
            packets.Add(buffer.AsSpan(0, written).ToArray());
        }
        return new OpusPackets(packets, rate, channels, frameSize, lookahead, audio.SampleRate, audio.Length);
    }

    /// <summary>Decodes packets back to audio at the input's rate and length, delay removed.</summary>
    public static AudioBuffer Decode(OpusPackets stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        using var decoder = OpusCodecFactory.CreateDecoder(stream.CodecRate, stream.Channels);
        int channels = stream.Channels;
        var pcm = new float[stream.Packets.Count * stream.FrameSize * channels];
        int position = 0;
        foreach (var packet in stream.Packets)
        {
            int samples = decoder.Decode(packet, pcm.AsSpan(position * channels), stream.FrameSize, false);
            if (samples < 0) throw new InvalidOperationException($"Opus decoder failed (error {samples}).");
            position += samples;
        }
        int length = Math.Max(0, Math.Min(position - stream.Lookahead, (int)((long)stream.InputLength * stream.CodecRate / stream.InputRate) + 1));
        var planar = new float[channels][];
        for (int c = 0; c < channels; c++)
        {
            planar[c] = new float[length];
            for (int i = 0; i < length; i++) planar[c][i] = pcm[(i + stream.Lookahead) * channels + c];
        }
        var back = new AudioBuffer(planar, stream.CodecRate).Resample(stream.InputRate);
        return new AudioBuffer(back.Channels.Select(ch => MuLawCodec.FitLength(ch, stream.InputLength)).ToArray(), stream.InputRate);
    }

    /// <inheritdoc/>
    public CodecRoundTrip RoundTrip(AudioBuffer audio)
    {
        var stream = Encode(audio);
        return new CodecRoundTrip(Decode(stream), stream.PayloadBytes, stream.BitsPerSecond);
    }
}
