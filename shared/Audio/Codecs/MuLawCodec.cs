using Media.Audio.IO;
using Media.Audio.Metrics;
using NAudio.Codecs;

namespace Media.Audio.Codecs;

/// <summary>
/// G.711 mu-law: 8 bits per sample of logarithmic (segmented, mu = 255) companding, through NAudio's
/// encoder and decoder, at <see cref="SampleRate"/> (8 kHz telephone by default; the input is resampled
/// there and back). Bitrate = 8 * rate * channels (64 kbps mono at 8 kHz).
/// </summary>
public sealed class MuLawCodec : IBaselineCodec
{
    /// <summary>A mu-law codec running at <paramref name="sampleRate"/> Hz.</summary>
    public MuLawCodec(int sampleRate = 8000)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(sampleRate, 0);
        SampleRate = sampleRate;
    }

    /// <summary>Rate at which samples are companded.</summary>
    public int SampleRate { get; }

    /// <inheritdoc/>
    public string Name => $"mu-law {SampleRate / 1000.0:0.#} kHz";

    /// <summary>Nominal rate for <paramref name="channels"/> channels, bits per second.</summary>
    public double BitsPerSecond(int channels = 1) => Bitrate.OfPcm(SampleRate, 8, channels);

    /// <summary>One mu-law byte per sample (input in [-1, 1], clipped).</summary>
    public static byte[] Encode(ReadOnlySpan<float> samples)
    {
        var bytes = new byte[samples.Length];
        for (int i = 0; i < samples.Length; i++)
            bytes[i] = MuLawEncoder.LinearToMuLawSample(Pcm16.FromFloat(samples[i]));
        return bytes;
    }

    /// <summary>Samples in [-1, 1] from mu-law bytes.</summary>
    public static float[] Decode(ReadOnlySpan<byte> bytes)
    {
        var samples = new float[bytes.Length];
        for (int i = 0; i < bytes.Length; i++) samples[i] = Pcm16.ToFloat(MuLawDecoder.MuLawToLinearSample(bytes[i]));
        return samples;
    }

    /// <inheritdoc/>
    public CodecRoundTrip RoundTrip(AudioBuffer audio)
    {
        ArgumentNullException.ThrowIfNull(audio);
        var atCodecRate = audio.Resample(SampleRate);
        var decoded = new float[audio.ChannelCount][];
        long bytes = 0;
        for (int c = 0; c < audio.ChannelCount; c++)
        {
            var codes = Encode(atCodecRate.Channels[c]);
            bytes += codes.Length;
            decoded[c] = Decode(codes);
        }
        var back = new AudioBuffer(decoded, SampleRate).Resample(audio.SampleRate);
        var aligned = back.Channels.Select(ch => FitLength(ch, audio.Length)).ToArray();
        return new CodecRoundTrip(new AudioBuffer(aligned, audio.SampleRate), bytes, Bitrate.OfPayload(bytes, audio.DurationSeconds));
    }

    internal static float[] FitLength(float[] samples, int length)
    {
        if (samples.Length == length) return samples;
        var fitted = new float[length];
        Array.Copy(samples, fitted, Math.Min(length, samples.Length));
        return fitted;
    }
}
