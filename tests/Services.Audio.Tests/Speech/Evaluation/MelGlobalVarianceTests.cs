using Media.Services.Audio.Speech;
using Media.Services.Audio.Speech.Evaluation;

namespace Media.Services.Audio.Tests.Speech.Evaluation;

[Collection(SingleThreadedTorch.Name)]
public sealed class MelGlobalVarianceTests
{
    /// <summary>One second of a 300 Hz tone whose loudness follows <paramref name="envelope"/> (t in seconds).</summary>
    static float[] Tone(Func<double, double> envelope, int rate = 16000) =>
        [.. Enumerable.Range(0, rate).Select(i => (float)(0.3 * envelope((double)i / rate) * Math.Sin(2 * Math.PI * 300 * i / rate)))];

    [Fact]
    public void Speech_smoothed_over_time_has_less_global_variance_than_its_reference()
    {
        using var features = new SpeechFeatures(new SpeechMelConfig());
        var bursts = Tone(t => (int)(t * 8) % 2 == 0 ? 1.0 : 0.05);                          // on/off eight times a second
        var smoothed = Tone(t => 0.525 + 0.475 * Math.Cos(2 * Math.PI * 4 * t) * 0.3);        // the same mean loudness, barely moving
        Assert.Equal(1.0, MelGlobalVariance.Ratio(features, [(bursts, bursts)]), 6);
        double ratio = MelGlobalVariance.Ratio(features, [(bursts, smoothed)]);
        Assert.True(ratio < 0.5, $"smoothed/reference GV {ratio:F3}");
    }
}
