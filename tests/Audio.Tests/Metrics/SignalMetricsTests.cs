using Media.Audio.Metrics;

namespace Media.Audio.Tests.Metrics;

public sealed class SignalMetricsTests
{
    static readonly float[] Speech = TestSignals.SpeechLike(16000, 1.0, 11);

    [Fact]
    public void Si_snr_of_a_signal_with_itself_is_huge_and_ignores_gain()
    {
        double self = SignalMetrics.SiSnr(Speech, Speech);
        double half = SignalMetrics.SiSnr(Speech, Speech.Select(v => 0.5f * v).ToArray());
        Assert.True(self > 100, $"{self}");
        Assert.True(half > 100, $"{half}");
    }

    [Fact]
    public void Si_snr_is_scale_invariant_and_ignores_offsets()
    {
        var noisy = TestSignals.Add(Speech, TestSignals.Noise(Speech.Length, 5, 0.05));
        double reference = SignalMetrics.SiSnr(Speech, noisy);
        Assert.Equal(reference, SignalMetrics.SiSnr(Speech, noisy.Select(v => -3f * v).ToArray()), 4);
        Assert.Equal(reference, SignalMetrics.SiSnr(Speech, noisy.Select(v => v + 0.2f).ToArray()), 3);
    }

    [Theory]
    [InlineData(20.0)]
    [InlineData(10.0)]
    [InlineData(0.0)]
    [InlineData(-5.0)]
    public void Si_snr_with_added_noise_matches_the_constructed_snr(double snr)
    {
        // Noise made zero-mean and orthogonal to the zero-mean signal, scaled to the target energy ratio.
        double[] s = Center(Speech), n = Center(TestSignals.Noise(Speech.Length, 9));
        double projection = Dot(n, s) / Dot(s, s);
        for (int i = 0; i < n.Length; i++) n[i] -= projection * s[i];
        double gain = Math.Sqrt(Dot(s, s) / Dot(n, n) / Math.Pow(10, snr / 10));
        var estimate = s.Select((v, i) => (float)(v + gain * n[i])).ToArray();
        var reference = s.Select(v => (float)v).ToArray();
        Assert.Equal(snr, SignalMetrics.SiSnr(reference, estimate), 0.1);
    }

    [Fact]
    public void Sdr_counts_a_gain_error_as_distortion()
    {
        // |x|^2 / |x - 0.5x|^2 = 4: 6.02 dB.
        Assert.Equal(10 * Math.Log10(4), SignalMetrics.Sdr(Speech, Speech.Select(v => 0.5f * v).ToArray()), 3);
    }

    [Fact]
    public void Mismatched_lengths_are_refused()
    {
        Assert.Throws<ArgumentException>(() => SignalMetrics.SiSnr(new float[3], new float[4]));
        Assert.Throws<ArgumentException>(() => SignalMetrics.Sdr([], []));
    }

    [Fact]
    public void Bitrate_helpers_follow_their_definitions()
    {
        Assert.Equal(6000, Bitrate.OfTokens(75, 8, 1024));   // EnCodec 24 kHz at 8 codebooks
        Assert.Equal(64000, Bitrate.OfPcm(8000, 8));         // G.711
        Assert.Equal(24000, Bitrate.OfPayload(6000, 2.0));
    }

    static double[] Center(float[] x)
    {
        double mean = x.Average(v => (double)v);
        return x.Select(v => v - mean).ToArray();
    }

    static double Dot(double[] a, double[] b) => a.Select((v, i) => v * b[i]).Sum();
}
