namespace Media.Audio.Metrics;

/// <summary>Waveform-domain quality measures in dB (higher is better). Inputs must have equal lengths.</summary>
public static class SignalMetrics
{
    const double Epsilon = 1e-12;

    /// <summary>
    /// Scale-invariant signal-to-noise ratio (Le Roux et al. 2019): both signals made zero-mean, the
    /// estimate projected on the reference, s_t = (&lt;e,r&gt;/|r|^2) r, SI-SNR = 10 log10(|s_t|^2 / |e - s_t|^2).
    /// Unchanged by any non-zero gain on the estimate.
    /// </summary>
    public static double SiSnr(ReadOnlySpan<float> reference, ReadOnlySpan<float> estimate)
    {
        CheckLengths(reference, estimate);
        double meanR = Mean(reference), meanE = Mean(estimate);
        double dot = 0, energyR = 0;
        for (int i = 0; i < reference.Length; i++)
        {
            double r = reference[i] - meanR, e = estimate[i] - meanE;
            dot += r * e;
            energyR += r * r;
        }
        double alpha = dot / (energyR + Epsilon);
        double target = 0, noise = 0;
        for (int i = 0; i < reference.Length; i++)
        {
            double t = alpha * (reference[i] - meanR);
            double n = estimate[i] - meanE - t;
            target += t * t;
            noise += n * n;
        }
        return 10 * Math.Log10((target + Epsilon) / (noise + Epsilon));
    }

    /// <summary>
    /// Signal-to-distortion ratio in its plain form, 10 log10(|r|^2 / |r - e|^2) (no projection, no
    /// allowed filter, unlike BSS-Eval's SDR): a gain error counts as distortion.
    /// </summary>
    public static double Sdr(ReadOnlySpan<float> reference, ReadOnlySpan<float> estimate)
    {
        CheckLengths(reference, estimate);
        double signal = 0, error = 0;
        for (int i = 0; i < reference.Length; i++)
        {
            double d = reference[i] - (double)estimate[i];
            signal += (double)reference[i] * reference[i];
            error += d * d;
        }
        return 10 * Math.Log10((signal + Epsilon) / (error + Epsilon));
    }

    static double Mean(ReadOnlySpan<float> x)
    {
        double sum = 0;
        foreach (float v in x) sum += v;
        return x.Length == 0 ? 0 : sum / x.Length;
    }

    internal static void CheckLengths(ReadOnlySpan<float> reference, ReadOnlySpan<float> estimate)
    {
        if (reference.Length != estimate.Length)
            throw new ArgumentException($"Reference has {reference.Length} samples but the estimate has {estimate.Length}; align them first.", nameof(estimate));
        if (reference.Length == 0) throw new ArgumentException("Signals are empty.", nameof(reference));
    }
}
