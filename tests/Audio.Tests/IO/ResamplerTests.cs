using Media.Audio.IO;

namespace Media.Audio.Tests.IO;

public sealed class ResamplerTests
{
    // Amplitude and phase of one frequency by correlation with sin/cos over a window (exact for whole periods).
    static (double Amplitude, double Residual) Fit(float[] x, double frequency, int rate, int from, int to)
    {
        double s = 0, c = 0;
        for (int i = from; i < to; i++)
        {
            s += x[i] * Math.Sin(2 * Math.PI * frequency * i / rate);
            c += x[i] * Math.Cos(2 * Math.PI * frequency * i / rate);
        }
        s *= 2.0 / (to - from);
        c *= 2.0 / (to - from);
        double residual = 0;
        for (int i = from; i < to; i++)
        {
            double fit = s * Math.Sin(2 * Math.PI * frequency * i / rate) + c * Math.Cos(2 * Math.PI * frequency * i / rate);
            residual += (x[i] - fit) * (x[i] - fit);
        }
        return (Math.Sqrt(s * s + c * c), Math.Sqrt(residual / (to - from)));
    }

    [Theory]
    [InlineData(48000, 16000, 1000)]
    [InlineData(16000, 24000, 3000)]
    [InlineData(22050, 16000, 440)]
    [InlineData(44100, 48000, 5000)]
    [InlineData(24000, 10000, 2000)]
    public void A_sine_below_both_nyquists_keeps_its_frequency_and_amplitude(int from, int to, double frequency)
    {
        var input = TestSignals.Sine(frequency, from, from, amplitude: 0.5);
        var output = new Resampler(from, to).Process(input);

        Assert.Equal(to, output.Length);
        var (amplitude, residual) = Fit(output, frequency, to, to / 10, to - to / 10);
        Assert.InRange(amplitude, 0.5 * 0.995, 0.5 * 1.005);
        Assert.True(residual < 1e-3, $"residual {residual}");
        // Aligned in time: output sample n is the input's value at n * from / to.
        var expected = TestSignals.Sine(frequency, to, to, amplitude: 0.5);
        for (int n = to / 10; n < to - to / 10; n++) Assert.True(Math.Abs(output[n] - expected[n]) < 2e-3, $"sample {n}");
    }

    [Theory]
    [InlineData(48000, 16000, 10000)]
    [InlineData(48000, 16000, 12000)]
    [InlineData(44100, 16000, 9000)]
    [InlineData(24000, 16000, 9500)]
    public void A_tone_above_the_new_nyquist_is_suppressed_by_at_least_40_db(int from, int to, double frequency)
    {
        var input = TestSignals.Sine(frequency, from, from, amplitude: 0.5);
        var output = new Resampler(from, to).Process(input);
        double inputRms = TestSignals.Rms(input);
        double outputRms = TestSignals.Rms(output.AsSpan(to / 10, to - to / 5));
        double attenuation = 20 * Math.Log10(inputRms / outputRms);
        Assert.True(attenuation >= 40, $"only {attenuation:F1} dB");
    }

    [Fact]
    public void A_constant_stays_constant_away_from_the_ends()
    {
        var output = new Resampler(22050, 16000).Process(Enumerable.Repeat(0.25f, 22050).ToArray());
        for (int n = 1000; n < 15000; n++) Assert.Equal(0.25f, output[n], 1e-5f);
    }

    [Fact]
    public void Equal_rates_copy_and_invalid_rates_are_refused()
    {
        float[] x = [0.1f, 0.2f];
        Assert.Equal(x, new Resampler(16000, 16000).Process(x));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Resampler(0, 16000));
        Assert.Equal(3, new Resampler(3, 2).OutputLength(4)); // ceil(4 * 2 / 3)
    }

    [Theory]
    [InlineData(22050, 24000)]
    [InlineData(8000, 24000)]
    [InlineData(48000, 16000)]
    public void Resampling_in_pieces_equals_resampling_the_whole_signal(int from, int to)
    {
        var input = TestSignals.Noise(5003, 9, 0.5);
        var resampler = new Resampler(from, to);
        var incremental = resampler.Incremental();
        var pieces = new List<float>();
        int[] sizes = [1, 7, 160, 333, 1000, 77];
        for (int at = 0, i = 0; at < input.Length; i++)
        {
            int n = Math.Min(sizes[i % sizes.Length], input.Length - at);
            pieces.AddRange(incremental.Process(input.AsSpan(at, n)));
            at += n;
        }
        pieces.AddRange(incremental.Flush());
        Assert.Equal(resampler.Process(input), pieces);
    }
}
