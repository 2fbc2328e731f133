namespace Media.Audio.Analysis;

/// <summary>
/// How much of a vocal stem is heard in its accompaniment stem (stem separation of a dual-track song): per 20 ms frame,
/// the energy of 300-3400 Hz (the voice band) of each stem, and a least-squares fit <c>E_acc(t) = a + b E_voc(t)</c>.
/// <see cref="Result.LeakedFraction"/> is the share of the accompaniment's voice-band energy the vocal explains
/// (<c>b mean(E_voc) / mean(E_acc)</c>, clamped to 0..1): for accompaniment plus g times the vocal it is about
/// <c>g^2 E_voc / (E_acc + g^2 E_voc)</c>. <see cref="Result.Correlation"/> is the correlation of the two energy envelopes.
/// </summary>
public static class VocalBandLeakage
{
    /// <summary>The fit's outcome: leaked fraction of the accompaniment's voice-band energy, and the envelopes' correlation.</summary>
    public readonly record struct Result(double LeakedFraction, double Correlation);

    /// <summary>Measures the vocal's leakage into <paramref name="accompaniment"/> (both at <paramref name="sampleRate"/> Hz, same length).</summary>
    public static Result Measure(ReadOnlySpan<float> vocals, ReadOnlySpan<float> accompaniment, int sampleRate)
    {
        if (vocals.Length != accompaniment.Length) throw new ArgumentException($"The stems differ in length ({vocals.Length} and {accompaniment.Length} samples).", nameof(accompaniment));
        ArgumentOutOfRangeException.ThrowIfLessThan(sampleRate, 8000);
        var v = BandEnergy(vocals, sampleRate);
        var a = BandEnergy(accompaniment, sampleRate);
        double meanV = v.Average(), meanA = a.Average(), va = 0, vv = 0, aa = 0;
        for (int i = 0; i < v.Length; i++)
        {
            va += (v[i] - meanV) * (a[i] - meanA);
            vv += (v[i] - meanV) * (v[i] - meanV);
            aa += (a[i] - meanA) * (a[i] - meanA);
        }
        if (vv <= 0 || meanA <= 0) return new Result(0, 0);
        double slope = va / vv;
        double fraction = Math.Clamp(slope * meanV / meanA, 0, 1);
        double correlation = aa > 0 ? va / Math.Sqrt(vv * aa) : 0;
        return new Result(fraction, correlation);
    }

    static double[] BandEnergy(ReadOnlySpan<float> samples, int sampleRate)
    {
        int hop = sampleRate / 50;
        int fftSize = MagnitudeFrames.PowerOfTwoAtLeast(2 * hop);
        var spectra = MagnitudeFrames.Compute(samples, fftSize, hop);
        double binHz = (double)sampleRate / fftSize;
        int first = (int)Math.Ceiling(300 / binHz), last = Math.Min(fftSize / 2, (int)(3400 / binHz));
        return spectra.Select(frame =>
        {
            double sum = 0;
            for (int k = first; k <= last; k++) sum += frame[k] * frame[k];
            return sum;
        }).ToArray();
    }
}
