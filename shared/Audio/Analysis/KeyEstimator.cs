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

    /// <summary>
    /// MIREX's weighted key score of <paramref name="estimate"/> against this key (the reference), as mir_eval's
    /// <c>key.weighted_score</c>: 1 for the key, 0.5 for the key a perfect fifth above in the same mode, 0.3 for the
    /// relative major or minor, 0.2 for the parallel one, 0 otherwise. It tells a song that missed into a neighbouring key
    /// from one in no key at all.
    /// </summary>
    public double WeightedScore(MusicalKey estimate)
    {
        int interval = ((estimate.Tonic - Tonic) % 12 + 12) % 12;
        if (estimate.Minor == Minor) return interval == 0 ? 1 : interval == 7 ? 0.5 : 0;
        if (interval == 0) return 0.2;
        return interval == (Minor ? 3 : 9) ? 0.3 : 0;
    }

    /// <inheritdoc />
    public override string ToString() => Name;
}

/// <summary>
/// The Krumhansl-Schmuckler key-finding algorithm (Krumhansl 1990): a pitch-class profile of the audio (harmonic-summed
/// note saliences from C2 to B5, see <see cref="Chroma"/>, summed over the whole clip) correlated with the Krumhansl-Kessler
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
    public static MusicalKey Best(IReadOnlyList<double> chroma) => BestWithScore(chroma).Key;

    /// <summary>
    /// Key clarity: the best key profile's correlation with the pitch-class profile (-1..1). Music that stays in one key
    /// scores high, noise and clusters of every pitch class near 0: a measure of tonality, not of the key.
    /// </summary>
    public static double Clarity(IReadOnlyList<double> chroma) => BestWithScore(chroma).Score;

    static (MusicalKey Key, double Score) BestWithScore(IReadOnlyList<double> chroma)
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
        return (best, bestScore);
    }

    /// <summary>
    /// Pitch-class profile (C first) by harmonic summation: per frame, each note from C2 to B5 gets the compressed
    /// magnitudes at its first five harmonics (weights 1, 0.8, 0.64, ...), so a note counts at its own pitch class rather
    /// than at its overtones' (the third harmonic would otherwise add the fifth above, pulling keys to their dominant).
    /// </summary>
    public static double[] Chroma(ReadOnlySpan<float> samples, int sampleRate)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(sampleRate, 4000);
        // About 2 Hz bins, so neighbouring semitones are apart from 65 Hz (C2) up.
        int fftSize = MagnitudeFrames.PowerOfTwoAtLeast(sampleRate / 2);
        var spectra = MagnitudeFrames.Compute(samples, fftSize, fftSize / 2);
        var chroma = new double[12];
        double binHz = (double)sampleRate / fftSize;
        const int harmonics = 5;
        foreach (var frame in spectra)
        {
            var compressed = frame.Select(m => Math.Log(1 + 100 * m)).ToArray();
            for (int midi = 36; midi < 84; midi++) // four whole octaves, so no pitch class counts more often
            {
                double f0 = MusicTheory.Frequency(midi), salience = 0, weight = 1;
                for (int h = 1; h <= harmonics; h++, weight *= 0.8)
                {
                    double f = h * f0;
                    // The strongest bin within a quarter tone of the harmonic.
                    int from = (int)Math.Floor(f * 0.9857 / binHz), to = (int)Math.Ceiling(f * 1.0145 / binHz);
                    if (to >= compressed.Length) break;
                    double peak = 0;
                    for (int k = Math.Max(1, from); k <= to; k++) peak = Math.Max(peak, compressed[k]);
                    salience += weight * peak;
                }
                chroma[midi % 12] += salience;
            }
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
