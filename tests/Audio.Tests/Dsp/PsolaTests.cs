using Media.Audio.Dsp;

namespace Media.Audio.Tests.Dsp;

public sealed class PsolaTests
{
    const int Rate = 16000;

    // A voiced-like tone: harmonics of f0 with a 1/k tilt (what a glottal source looks like, band-limited).
    static float[] Harmonic(double f0, double seconds, double amplitude = 0.4)
    {
        var x = new float[(int)(seconds * Rate)];
        for (int i = 0; i < x.Length; i++)
        {
            double t = (double)i / Rate, sample = 0;
            for (int k = 1; k * f0 < Rate / 2.5; k++) sample += Math.Sin(2 * Math.PI * k * f0 * t) / k;
            x[i] = (float)(amplitude * sample);
        }
        return x;
    }

    static double MedianPitch(ReadOnlySpan<float> x)
    {
        var voiced = new PitchTracker(Rate).Track(x).Where(f => f > 0).Order().ToArray();
        Assert.True(voiced.Length > 10, "the output should be voiced");
        return voiced[voiced.Length / 2];
    }

    [Fact]
    public void The_pitch_tracker_reads_a_synthetic_tone_within_half_a_percent()
    {
        foreach (double f0 in new[] { 90.0, 150, 233.1, 420 })
            Assert.InRange(MedianPitch(Harmonic(f0, 0.5)), f0 * 0.995, f0 * 1.005);
        Assert.All(new PitchTracker(Rate).Track(new float[4000]), f => Assert.Equal(0, f));
    }

    [Theory]
    [InlineData(150, 200)]
    [InlineData(150, 110)]
    [InlineData(200, 330)]
    public void Shifting_a_tone_puts_it_within_one_percent_of_the_target_at_the_asked_length(double from, double to)
    {
        var source = Harmonic(from, 0.8);
        var shifted = Psola.Transform(source, Rate, source.Length, _ => to);
        Assert.Equal(source.Length, shifted.Length);
        double measured = MedianPitch(shifted.AsSpan(800..^800));
        Assert.InRange(measured, to * 0.99, to * 1.01);
        // The level stays about the source's (grains are normalised where they overlap).
        Assert.InRange(TestSignals.Rms(shifted.AsSpan(1600..^1600).ToArray()) / TestSignals.Rms(source), 0.6, 1.4);
    }

    [Fact]
    public void Stretching_keeps_the_pitch_and_gives_the_asked_length()
    {
        var source = Harmonic(180, 0.4);
        var stretched = Psola.Transform(source, Rate, 2 * source.Length + 37, _ => 180);
        Assert.Equal(2 * source.Length + 37, stretched.Length);
        Assert.InRange(MedianPitch(stretched), 180 * 0.99, 180 * 1.01);
        // Voiced throughout: no silent holes in the middle of the stretched tone.
        for (int start = 800; start + 800 < stretched.Length - 800; start += 800)
            Assert.True(TestSignals.Rms(stretched.AsSpan(start, 800).ToArray()) > 0.1, $"quiet at {start}");
    }

    [Fact]
    public void Pitch_follows_a_target_that_changes_over_time()
    {
        var source = Harmonic(160, 1.0);
        var sung = Psola.Transform(source, Rate, source.Length, t => t < 0.5 ? 220 : 165);
        Assert.InRange(MedianPitch(sung.AsSpan(1000..7000)), 220 * 0.99, 220 * 1.01);
        Assert.InRange(MedianPitch(sung.AsSpan(9000..15000)), 165 * 0.99, 165 * 1.01);
    }

    [Fact]
    public void Syllables_are_cut_in_the_quiet_between_them()
    {
        // Three tone bursts of different lengths with short quiet gaps: the cuts fall inside the gaps.
        var x = new List<float>();
        var gaps = new List<(int From, int To)>();
        foreach (double seconds in new[] { 0.25, 0.15, 0.3 })
        {
            if (x.Count > 0)
            {
                gaps.Add((x.Count, x.Count + 800));
                x.AddRange(TestSignals.Noise(800, 4, 0.002));
            }
            x.AddRange(Harmonic(150, seconds));
        }
        var bounds = SyllableSegmenter.Boundaries(x.ToArray(), Rate, 3);
        Assert.Equal(4, bounds.Length);
        Assert.Equal(0, bounds[0]);
        Assert.Equal(x.Count, bounds[3]);
        for (int i = 0; i < 2; i++) Assert.InRange(bounds[i + 1], gaps[i].From - 80, gaps[i].To + 80);
    }
}
