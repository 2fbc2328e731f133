namespace Media.Audio.Dsp;

/// <summary>
/// Splits spoken audio known to hold <c>n</c> syllables into <c>n</c> stretches, one per syllable: the boundaries fall in
/// the dips of the smoothed loudness (consonants and syllable joins are quieter than vowel nuclei), chosen by dynamic
/// programming that also keeps stretches near the mean syllable length.
/// </summary>
public static class SyllableSegmenter
{
    /// <summary>Sample index where each of the <paramref name="syllables"/> stretches starts (the first is 0), plus the length at the end.</summary>
    public static int[] Boundaries(ReadOnlySpan<float> samples, int sampleRate, int syllables)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(syllables, 1);
        int hop = Math.Max(1, sampleRate / 200); // 5 ms frames
        int frames = samples.Length / hop;
        if (syllables == 1 || frames < 2 * syllables) return Even(samples.Length, syllables);

        // Loudness in dB, smoothed over 25 ms, scaled to 0..1 between the quietest and loudest frames.
        var level = new double[frames];
        for (int f = 0; f < frames; f++)
        {
            double sum = 0;
            for (int i = f * hop; i < (f + 1) * hop; i++) sum += (double)samples[i] * samples[i];
            level[f] = 10 * Math.Log10(sum / hop + 1e-10);
        }
        var smooth = new double[frames];
        for (int f = 0; f < frames; f++)
        {
            int from = Math.Max(0, f - 2), to = Math.Min(frames - 1, f + 2);
            double s = 0;
            for (int g = from; g <= to; g++) s += level[g];
            smooth[f] = s / (to - from + 1);
        }
        double low = smooth.Min(), high = smooth.Max();
        for (int f = 0; f < frames; f++) smooth[f] = high > low ? (smooth[f] - low) / (high - low) : 0;

        // cost[i, f]: best cost of placing boundary i at frame f; boundary 0 is frame 0, boundary n is frame `frames`.
        int minimum = Math.Max(1, Math.Min(8, frames / (2 * syllables))); // 40 ms unless the audio is very short
        double mean = (double)frames / syllables;
        const double lengthWeight = 0.15;
        double LengthCost(int length) => lengthWeight * Math.Pow((length - mean) / mean, 2);
        var cost = new double[syllables + 1, frames + 1];
        var from_ = new int[syllables + 1, frames + 1];
        for (int i = 0; i <= syllables; i++)
            for (int f = 0; f <= frames; f++) cost[i, f] = double.PositiveInfinity;
        cost[0, 0] = 0;
        for (int i = 1; i <= syllables; i++)
        {
            int first = i * minimum, last = i == syllables ? frames : frames - (syllables - i) * minimum;
            for (int f = first; f <= last; f++)
            {
                if (i == syllables && f != frames) continue;
                double here = i == syllables ? 0 : smooth[Math.Min(f, frames - 1)];
                for (int p = (i - 1) * minimum; p <= f - minimum; p++)
                {
                    if (double.IsPositiveInfinity(cost[i - 1, p])) continue;
                    double c = cost[i - 1, p] + here + LengthCost(f - p);
                    if (c < cost[i, f]) (cost[i, f], from_[i, f]) = (c, p);
                }
            }
        }
        var boundaries = new int[syllables + 1];
        boundaries[syllables] = samples.Length;
        int frame = frames;
        for (int i = syllables; i > 0; i--)
        {
            frame = from_[i, frame];
            boundaries[i - 1] = frame * hop;
        }
        return boundaries;
    }

    static int[] Even(int length, int syllables) => Enumerable.Range(0, syllables + 1).Select(i => (int)((long)length * i / syllables)).ToArray();
}
