using Media.Audio.Corpora;

namespace Media.Audio.Analysis;

/// <summary>A musical key: tonic pitch class (0 = C) and mode.</summary>
public readonly record struct MusicalKey(int Tonic, bool Minor)
{
    /// <summary>The name as the corpora write it, e.g. "F# minor".</summary>
    public string Name => $"{MusicTheory.NoteName(Tonic)} {(Minor ? "minor" : "major")}";

    /// <summary>Parses a name such as "C major" or "A# minor" (sharps, as <see cref="MusicTheory.NoteName"/> writes them).</summary>
    public static MusicalKey Parse(string name)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        var parts = name.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        int tonic = Enumerable.Range(0, 12).FirstOrDefault(p => MusicTheory.NoteName(p) == parts[0], -1);
        if (parts.Length != 2 || tonic < 0 || parts[1] is not ("major" or "minor"))
            throw new FormatException($"'{name}' is not a key such as \"C major\" or \"F# minor\".");
        return new MusicalKey(tonic, parts[1] == "minor");
    }

    /// <inheritdoc />
    public override string ToString() => Name;
}

/// <summary>
/// The Krumhansl-Schmuckler key-finding algorithm (Krumhansl 1990): a pitch-class profile of the audio (STFT magnitudes
/// of 65-2000 Hz folded onto the nearest semitone, summed over the whole clip) correlated with the Krumhansl-Kessler
/// probe-tone profiles of the 24 major and minor keys; the best correlation is the key.
/// </summary>
public static class KeyEstimator
{
    // Krumhansl and Kessler (1982) probe-tone ratings, tonic first.
    static readonly double[] MajorProfile = [6.35, 2.23, 3.48, 2.33, 4.38, 4.09, 2.52, 5.19, 2.39, 3.66, 2.29, 2.88];
    static readonly double[] MinorProfile = [6.33, 2.68, 3.52, 5.38, 2.60, 3.53, 2.54, 4.75, 3.98, 2.69, 3.34, 3.17];

    /// <summary>The estimated key of <paramref name="samples"/> at <paramref name="sampleRate"/> Hz.</summary>
    public static MusicalKey Estimate(ReadOnlySpan<float> samples, int sampleRate) => Best(Chroma(samples, sampleRate));

    /// <summary>The key whose profile correlates best with a 12-bin pitch-class profile (C first).</summary>
    public static MusicalKey Best(IReadOnlyList<double> chroma)
    {
        ArgumentNullException.ThrowIfNull(chroma);
        if (chroma.Count != 12) throw new ArgumentException("A pitch-class profile has 12 bins.", nameof(chroma));
        var best = new MusicalKey(0, false);
        double bestScore = double.NegativeInfinity;
        for (int tonic = 0; tonic < 12; tonic++)
            foreach (bool minor in new[] { false, true })
            {
                var profile = minor ? MinorProfile : MajorProfile;
                double score = Correlation(chroma, Enumerable.Range(0, 12).Select(p => profile[(p - tonic + 12) % 12]).ToArray());
                if (score > bestScore) (best, bestScore) = (new MusicalKey(tonic, minor), score);
            }
        return best;
    }

    /// <summary>Summed pitch-class magnitudes (C first) of 65-2000 Hz.</summary>
    public static double[] Chroma(ReadOnlySpan<float> samples, int sampleRate)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(sampleRate, 4000);
        // About 2 Hz bins, so neighbouring semitones are apart from 65 Hz (C2) up.
        int fftSize = MagnitudeFrames.PowerOfTwoAtLeast(sampleRate / 2);
        var spectra = MagnitudeFrames.Compute(samples, fftSize, fftSize / 2);
        var chroma = new double[12];
        double binHz = (double)sampleRate / fftSize;
        int first = (int)Math.Ceiling(65 / binHz), last = Math.Min(fftSize / 2, (int)(2000 / binHz));
        foreach (var frame in spectra)
            for (int k = first; k <= last; k++)
            {
                double midi = 69 + 12 * Math.Log2(k * binHz / 440);
                double nearest = Math.Round(midi);
                double weight = 1 - 2 * Math.Abs(midi - nearest); // off-centre bins (between semitones) count less
                chroma[((int)nearest % 12 + 12) % 12] += weight * frame[k];
            }
        return chroma;
    }

    static double Correlation(IReadOnlyList<double> a, double[] b)
    {
        double meanA = a.Average(), meanB = b.Average(), ab = 0, aa = 0, bb = 0;
        for (int i = 0; i < b.Length; i++)
        {
            ab += (a[i] - meanA) * (b[i] - meanB);
            aa += (a[i] - meanA) * (a[i] - meanA);
            bb += (b[i] - meanB) * (b[i] - meanB);
        }
        return aa > 0 && bb > 0 ? ab / Math.Sqrt(aa * bb) : 0;
    }
}
