using static TorchSharp.torch;

namespace Media.Services.Audio.Speech.Evaluation;

/// <summary>
/// Global variance (GV) of log-mel, the classic over-smoothing measure of synthetic speech: per utterance, the variance over
/// time of each mel band, averaged over the bands. A sampler that returns the mean of what could be said (a one-step flow
/// step, a regression model) has less of it than speech; the ratio to the reference's says how much detail is left.
/// </summary>
public static class MelGlobalVariance
{
    /// <summary>GV of one waveform (natural-log mel of <paramref name="features"/>).</summary>
    public static double Of(SpeechFeatures features, float[] samples)
    {
        ArgumentNullException.ThrowIfNull(features);
        ArgumentNullException.ThrowIfNull(samples);
        using var scope = NewDisposeScope();
        var mel = features.LogMel(tensor(samples));   // [mels, T]
        return mel.shape[^1] < 2 ? 0 : mel.var(-1).mean().item<float>();
    }

    /// <summary>Mean over pairs of the generated waveform's GV over its reference's (1: as varied as the reference; below: smoother).</summary>
    public static double Ratio(SpeechFeatures features, IEnumerable<(float[] Reference, float[] Generated)> pairs)
    {
        ArgumentNullException.ThrowIfNull(pairs);
        var ratios = pairs.Select(p => Of(features, p.Generated) / Math.Max(Of(features, p.Reference), 1e-8)).ToList();
        return ratios.Count == 0 ? double.NaN : ratios.Average();
    }
}
