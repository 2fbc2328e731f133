namespace Media.Audio.Dsp;

/// <summary>
/// Fundamental frequency by YIN (de Cheveigné and Kawahara 2002): the cumulative mean normalised difference function of
/// each frame, its first dip under a threshold refined by parabolic interpolation. Frames that are too quiet or have no
/// dip under the threshold are unvoiced (0 Hz).
/// </summary>
public sealed class PitchTracker
{
    /// <summary>A tracker for <paramref name="sampleRate"/> Hz audio looking for 60-600 Hz with 5 ms hops.</summary>
    public PitchTracker(int sampleRate, double minHz = 60, double maxHz = 600, double hopSeconds = 0.005, double threshold = 0.2)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(sampleRate, 4000);
        if (minHz <= 0 || maxHz <= minHz || maxHz >= sampleRate / 2.0) throw new ArgumentOutOfRangeException(nameof(maxHz), "Need 0 < minHz < maxHz < Nyquist.");
        SampleRate = sampleRate;
        MinLag = (int)Math.Floor(sampleRate / maxHz);
        MaxLag = (int)Math.Ceiling(sampleRate / minHz);
        Hop = Math.Max(1, (int)Math.Round(hopSeconds * sampleRate));
        Threshold = threshold;
    }

    /// <summary>Rate of the audio it reads.</summary>
    public int SampleRate { get; }

    /// <summary>Samples between frame centres.</summary>
    public int Hop { get; }

    /// <summary>Shortest period looked for, in samples.</summary>
    public int MinLag { get; }

    /// <summary>Longest period looked for, in samples (the analysis window is twice this).</summary>
    public int MaxLag { get; }

    /// <summary>Largest normalised difference a voiced frame's period may have.</summary>
    public double Threshold { get; }

    /// <summary>
    /// F0 in Hz of frames centred at 0, <see cref="Hop"/>, 2 <see cref="Hop"/>, ... (0 where unvoiced); a frame is
    /// silent when its RMS is under <paramref name="silenceRms"/>.
    /// </summary>
    public double[] Track(ReadOnlySpan<float> samples, double silenceRms = 1e-3)
    {
        int frames = samples.Length / Hop + 1;
        var f0 = new double[frames];
        int window = MaxLag, span = window + MaxLag + 2;
        var difference = new double[MaxLag + 2];
        for (int f = 0; f < frames; f++)
        {
            // The frame centred at f * Hop compares [centre - window, centre) with itself shifted by up to MaxLag.
            int start = f * Hop - window;
            if (start < 0 || start + span > samples.Length) continue;
            double energy = 0;
            for (int i = 0; i < window; i++) energy += (double)samples[start + i] * samples[start + i];
            if (Math.Sqrt(energy / window) < silenceRms) continue;
            f0[f] = FramePitch(samples.Slice(start, span), window, difference);
        }
        return f0;
    }

    /// <summary>F0 of one stretch of audio (its whole length analysed as one frame), 0 when unvoiced.</summary>
    public double Pitch(ReadOnlySpan<float> samples)
    {
        int window = samples.Length - MaxLag - 1;
        if (window < MaxLag) throw new ArgumentException($"Give at least {2 * MaxLag + 1} samples.", nameof(samples));
        return FramePitch(samples, window, new double[MaxLag + 2]);
    }

    double FramePitch(ReadOnlySpan<float> x, int window, double[] d)
    {
        int maxLag = Math.Min(MaxLag, x.Length - window - 1);
        for (int lag = 1; lag <= maxLag; lag++)
        {
            double sum = 0;
            for (int i = 0; i < window; i++)
            {
                double delta = x[i] - x[i + lag];
                sum += delta * delta;
            }
            d[lag] = sum;
        }
        // Cumulative mean normalisation: d'(lag) = d(lag) * lag / sum_{j<=lag} d(j).
        double running = 0;
        d[0] = 1;
        for (int lag = 1; lag <= maxLag; lag++)
        {
            running += d[lag];
            d[lag] = running > 0 ? d[lag] * lag / running : 1;
        }
        for (int lag = Math.Max(2, MinLag); lag < maxLag; lag++)
        {
            if (d[lag] >= Threshold) continue;
            while (lag + 1 < maxLag && d[lag + 1] < d[lag]) lag++; // walk down to the dip's bottom
            double a = d[lag - 1], b = d[lag], c = d[lag + 1];
            double denominator = a - 2 * b + c;
            double shift = denominator > 0 ? 0.5 * (a - c) / denominator : 0;
            return SampleRate / (lag + Math.Clamp(shift, -0.5, 0.5));
        }
        return 0;
    }
}
