using Media.Audio.Codecs;
using Media.Audio.IO;
using Media.Audio.Metrics;

namespace Media.Audio.Tests.Codecs;

public sealed class OpusCodecTests
{
    static readonly float[] Speech = TestSignals.SpeechLike(16000, 3.0, 31);

    [Fact]
    public void Speech_at_24_kbps_keeps_its_waveform_and_spends_the_target_bitrate()
    {
        var codec = new OpusCodec(24000);
        var result = codec.RoundTrip(AudioBuffer.FromMono(Speech, 16000));
        Assert.Equal(Speech.Length, result.Decoded.Length);
        Assert.InRange(result.BitsPerSecond, 24000 * 0.9, 24000 * 1.1);
        double siSnr = SignalMetrics.SiSnr(Speech, result.Decoded.Channels[0]);
        Assert.True(siSnr > 10, $"SI-SNR {siSnr:F2} dB at {result.BitsPerSecond:F0} bps");
    }

    [Fact]
    public void Decoded_audio_is_aligned_with_the_input()
    {
        var decoded = new OpusCodec(32000).RoundTrip(AudioBuffer.FromMono(Speech, 16000)).Decoded.Channels[0];
        // Cross-correlation peaks at lag 0: the codec's lookahead has been removed.
        int bestLag = Enumerable.Range(-40, 81).MaxBy(lag =>
        {
            double sum = 0;
            for (int i = 100; i < Speech.Length - 100; i++) sum += Speech[i] * decoded[i + lag];
            return sum;
        });
        Assert.Equal(0, bestLag);
    }

    [Theory]
    [InlineData(8000, 8000)]
    [InlineData(22050, 24000)]
    [InlineData(44100, 48000)]
    [InlineData(96000, 48000)]
    public void Each_input_rate_is_coded_at_an_opus_rate_and_returned_at_its_own(int inputRate, int codecRate)
    {
        Assert.Equal(codecRate, OpusCodec.CodecRateFor(inputRate));
        var sine = TestSignals.Sine(300, inputRate, inputRate / 2);
        var packets = new OpusCodec(16000).Encode(AudioBuffer.FromMono(sine, inputRate));
        Assert.Equal(codecRate, packets.CodecRate);
        Assert.Equal(codecRate / 50, packets.FrameSize);
        var decoded = OpusCodec.Decode(packets);
        Assert.Equal(inputRate, decoded.SampleRate);
        Assert.Equal(sine.Length, decoded.Length);
        Assert.True(SignalMetrics.SiSnr(sine, decoded.Channels[0]) > 10);
    }

    [Fact]
    public void Stereo_is_coded_and_settings_outside_opus_are_refused()
    {
        var stereo = new AudioBuffer([Speech, TestSignals.Sine(500, 16000, Speech.Length)], 16000);
        var result = new OpusCodec(48000, frameMilliseconds: 10).RoundTrip(stereo);
        Assert.Equal(2, result.Decoded.ChannelCount);
        Assert.True(SignalMetrics.SiSnr(stereo.Channels[1], result.Decoded.Channels[1]) > 10);
        Assert.Throws<ArgumentException>(() => new OpusCodec(24000, frameMilliseconds: 15));
        Assert.Throws<ArgumentOutOfRangeException>(() => new OpusCodec(1000));
        Assert.Throws<ArgumentException>(() => new OpusCodec(24000).Encode(new AudioBuffer([Speech, Speech, Speech], 16000)));
    }
}
