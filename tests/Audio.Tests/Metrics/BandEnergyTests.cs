using Media.Audio.Metrics;

namespace Media.Audio.Tests.Metrics;

public sealed class BandEnergyTests
{
    static float[] Tones(int rate, int samples, params (double Hz, double Amplitude)[] tones) =>
        [.. Enumerable.Range(0, samples).Select(i => (float)tones.Sum(t => t.Amplitude * Math.Sin(2 * Math.PI * t.Hz * i / rate)))];

    [Fact]
    public void A_decoded_signal_that_lost_a_band_keeps_none_of_it_and_all_of_the_rest()
    {
        const int rate = 16_000;
        var original = Tones(rate, rate, (200, 0.3), (2_000, 0.2));
        var muffled = Tones(rate, rate, (200, 0.3));
        var quieter = Tones(rate, rate, (200, 0.15), (2_000, 0.2));

        var lost = BandEnergy.Ratios([(original, muffled)], rate, BandEnergy.SpeechBands);
        var halved = BandEnergy.Ratios([(original, quieter)], rate, BandEnergy.SpeechBands);

        Assert.InRange(lost[0], 0.99, 1.01);
        Assert.InRange(lost[3], 0, 0.001);
        // Half the amplitude is a quarter of the power.
        Assert.InRange(halved[0], 0.24, 0.26);
        Assert.InRange(halved[3], 0.99, 1.01);
    }
}
