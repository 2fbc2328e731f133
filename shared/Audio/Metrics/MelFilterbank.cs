namespace Media.Audio.Metrics;

/// <summary>
/// Triangular mel filters over the bins of a one-sided spectrum, built as librosa.filters.mel does:
/// <c>bands + 2</c> edge frequencies evenly spaced in mels between fMin and fMax; filter i rises from edge
/// i to edge i+1 and falls to edge i+2. With <see cref="MelScale.Slaney"/> each filter is scaled by
/// 2 / (edge[i+2] - edge[i]) so it has unit area in hertz; with <see cref="MelScale.Htk"/> it peaks at 1.
/// </summary>
public static class MelFilterbank
{
    /// <summary>Weights <c>[band][bin]</c> for <c>fftSize / 2 + 1</c> bins.</summary>
    public static float[][] Create(int sampleRate, int fftSize, int bands, double fMin, double fMax, MelScale scale)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(sampleRate, 0);
        ArgumentOutOfRangeException.ThrowIfLessThan(fftSize, 2);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(bands, 0);
        if (fMin < 0 || fMax <= fMin || fMax > sampleRate / 2.0)
            throw new ArgumentException($"Need 0 <= fMin < fMax <= {sampleRate / 2.0} Hz; got {fMin}..{fMax}.", nameof(fMax));

        int bins = fftSize / 2 + 1;
        double melLow = MelConversion.HzToMel(fMin, scale), melHigh = MelConversion.HzToMel(fMax, scale);
        var edges = new double[bands + 2];
        for (int i = 0; i < edges.Length; i++) edges[i] = MelConversion.MelToHz(melLow + (melHigh - melLow) * i / (bands + 1), scale);

        var weights = new float[bands][];
        for (int band = 0; band < bands; band++)
        {
            weights[band] = new float[bins];
            double lo = edges[band], centre = edges[band + 1], hi = edges[band + 2];
            double norm = scale == MelScale.Slaney ? 2 / (hi - lo) : 1;
            for (int k = 0; k < bins; k++)
            {
                double f = (double)k * sampleRate / fftSize;
                double rising = (f - lo) / (centre - lo), falling = (hi - f) / (hi - centre);
                weights[band][k] = (float)(Math.Max(0, Math.Min(rising, falling)) * norm);
            }
        }
        return weights;
    }
}
