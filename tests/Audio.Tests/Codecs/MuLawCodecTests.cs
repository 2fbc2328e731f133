using Media.Audio.Codecs;
using Media.Audio.IO;
using Media.Audio.Metrics;

namespace Media.Audio.Tests.Codecs;

public sealed class MuLawCodecTests
{
    [Fact]
    public void Every_16_bit_sample_round_trips_within_the_g711_segment_bound()
    {
        // 8 segments of 16 steps: the step is 1/16 of the biased magnitude (|x| + 132 in 16-bit units),
        // so the error is at most half a step, |x|/32 + 132/32 (plus one unit of rounding).
        var samples = Enumerable.Range(-32000, 64001).Select(v => v / 32768f).ToArray();
        var decoded = MuLawCodec.Decode(MuLawCodec.Encode(samples));
        for (int i = 0; i < samples.Length; i++)
        {
            double x = samples[i] * 32768.0, error = Math.Abs(decoded[i] * 32768.0 - x);
            Assert.True(error <= (Math.Abs(x) + 132) / 32 + 1, $"x={x} error={error}");
        }
    }

    [Fact]
    public void A_sine_at_codec_rate_keeps_about_38_db_snr_at_64_kbps()
    {
        var sine = TestSignals.Sine(440, 8000, 8000, 0.5);
        var result = new MuLawCodec().RoundTrip(AudioBuffer.FromMono(sine, 8000));
        Assert.Equal(64000, result.BitsPerSecond, 6);
        Assert.Equal(8000, result.PayloadBytes);
        double snr = SignalMetrics.Sdr(sine, result.Decoded.Channels[0]);
        Assert.InRange(snr, 35, 42);
    }

    [Fact]
    public void Other_rates_are_resampled_there_and_back_keeping_length()
    {
        var speech = TestSignals.SpeechLike(16000, 1.0, 2);
        var result = new MuLawCodec(16000).RoundTrip(AudioBuffer.FromMono(speech, 16000).WithChannels(2));
        Assert.Equal(2, result.Decoded.ChannelCount);
        Assert.Equal(speech.Length, result.Decoded.Length);
        Assert.Equal(256000, result.BitsPerSecond, 6); // 2 channels x 16 kHz x 8 bits
        Assert.True(SignalMetrics.SiSnr(speech, result.Decoded.Channels[1]) > 30);
    }
}
