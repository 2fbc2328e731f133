using Media.Audio.Metrics;

namespace Media.Audio.Tests.Metrics;

public sealed class StoiTests
{
    static readonly float[] Speech = TestSignals.SpeechLike(16000, 2.0, 21);

    [Fact]
    public void Identical_signals_score_one()
    {
        Assert.Equal(1.0, Stoi.Compute(Speech, Speech, 16000), 3);
    }

    [Fact]
    public void Independent_noise_scores_low()
    {
        // Not zero: the clipping step (at most 15 dB above the clean band) leaves envelope correlation even
        // for unrelated noise, a known floor of STOI.
        var noise = TestSignals.Noise(Speech.Length, 4);
        double score = Stoi.Compute(Speech, noise, 16000);
        Assert.True(score < 0.4, $"{score}");
    }

    [Fact]
    public void Score_falls_as_noise_rises()
    {
        var noise = TestSignals.Noise(Speech.Length, 8);
        double speechRms = TestSignals.Rms(Speech), noiseRms = TestSignals.Rms(noise);
        var scores = new[] { 30.0, 10, 0, -10 }.Select(snr =>
        {
            double gain = speechRms / noiseRms / Math.Pow(10, snr / 20);
            return Stoi.Compute(Speech, TestSignals.Add(Speech, noise, gain), 16000);
        }).ToArray();
        for (int i = 1; i < scores.Length; i++) Assert.True(scores[i] < scores[i - 1], string.Join(", ", scores));
        Assert.True(scores[0] > 0.95, $"{scores[0]}");
    }

    [Fact]
    public void A_gain_on_the_degraded_signal_changes_nothing()
    {
        // Each band segment of the degraded signal is rescaled to the clean energy before comparison.
        var noisy = TestSignals.Add(Speech, TestSignals.Noise(Speech.Length, 6, 0.05));
        Assert.Equal(Stoi.Compute(Speech, noisy, 16000), Stoi.Compute(Speech, noisy.Select(v => 0.3f * v).ToArray(), 16000), 6);
    }

    [Fact]
    public void Too_short_input_is_refused_with_a_message()
    {
        var error = Assert.Throws<ArgumentException>(() => Stoi.Compute(Speech.AsSpan(0, 3000), Speech.AsSpan(0, 3000), 16000));
        Assert.Contains("non-silent frames", error.Message, StringComparison.Ordinal);
    }
}
