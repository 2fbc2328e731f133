namespace Media.Audio.Analysis;

/// <summary>
/// Tempo in beats per minute from audio: a spectral-flux onset envelope (log-compressed STFT magnitudes at 100 frames per
/// second, positive differences summed over bins, local mean removed), then for every candidate tempo the best-phase
/// mean of the envelope on a beat grid; the candidate whose grid lands on the strongest onsets wins. Candidates span
/// one tempo octave, <see cref="MinBpm"/> up to twice that, so double and half tempo never compete (a song at 160
/// is reported at 80, one at 70 at 140).
/// </summary>
public static class TempoEstimator
{
    /// <summary>Slowest tempo reported; the fastest is just under twice this.</summary>
    public const double MinBpm = 75;

    const double FrameRate = 100;

    /// <summary>The estimated tempo (BPM) of <paramref name="samples"/> at <paramref name="sampleRate"/> Hz.</summary>
    public static double Estimate(ReadOnlySpan<float> samples, int sampleRate)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(sampleRate, 4000);
        var envelope = OnsetEnvelope(samples, sampleRate);
        if (envelope.Length < 4 * FrameRate) throw new ArgumentException("Give at least 4 seconds of audio.", nameof(samples));
        double best = MinBpm, bestScore = double.NegativeInfinity;
        for (double bpm = MinBpm; bpm < 2 * MinBpm; bpm += 0.1)
        {
            double score = GridScore(envelope, 60 * FrameRate / bpm);
            if (score > bestScore) (best, bestScore) = (bpm, score);
        }
        return Math.Round(best, 1);
    }

    /// <summary>Onset strength at 100 frames per second.</summary>
    internal static double[] OnsetEnvelope(ReadOnlySpan<float> samples, int sampleRate)
    {
        int hop = (int)Math.Round(sampleRate / FrameRate);
        int fftSize = MagnitudeFrames.PowerOfTwoAtLeast((int)(0.064 * sampleRate));
        var spectra = MagnitudeFrames.Compute(samples, fftSize, hop);
        var flux = new double[spectra.Length];
        for (int f = 1; f < spectra.Length; f++)
        {
            double sum = 0;
            for (int k = 1; k < spectra[f].Length; k++)
                sum += Math.Max(0, Math.Log(1 + 1000 * spectra[f][k]) - Math.Log(1 + 1000 * spectra[f - 1][k]));
            flux[f] = sum;
        }
        // Remove the local mean (half a second) so loud passages do not outweigh the beat grid, keep what rises above it.
        int radius = (int)(0.25 * FrameRate);
        var envelope = new double[flux.Length];
        double running = 0;
        var prefix = new double[flux.Length + 1];
        for (int f = 0; f < flux.Length; f++) prefix[f + 1] = running += flux[f];
        for (int f = 0; f < flux.Length; f++)
        {
            int from = Math.Max(0, f - radius), to = Math.Min(flux.Length, f + radius + 1);
            envelope[f] = Math.Max(0, flux[f] - (prefix[to] - prefix[from]) / (to - from));
        }
        // A little smoothing (3 frames) so a grid drifting by a frame still lands on the onset.
        var smooth = new double[envelope.Length];
        for (int f = 0; f < envelope.Length; f++)
            smooth[f] = 0.5 * envelope[f] + 0.25 * (f > 0 ? envelope[f - 1] : 0) + 0.25 * (f + 1 < envelope.Length ? envelope[f + 1] : 0);
        return smooth;
    }

    // Best over phases of the mean envelope value on the grid phase, phase + period, ...
    static double GridScore(double[] envelope, double period)
    {
        double best = 0;
        for (int phase = 0; phase < (int)Math.Ceiling(period); phase++)
        {
            double sum = 0;
            int count = 0;
            for (double t = phase; t < envelope.Length - 1; t += period, count++)
            {
                int i = (int)t;
                double fraction = t - i;
                sum += envelope[i] * (1 - fraction) + envelope[i + 1] * fraction;
            }
            if (count > 0) best = Math.Max(best, sum / count);
        }
        return best;
    }
}
