namespace Media.Audio.Dsp;

/// <summary>
/// Time-domain pitch-synchronous overlap-add (TD-PSOLA, Moulines and Charpentier 1990): the voiced parts of a signal are
/// cut into two-period Hann grains centred on its pitch marks (one per glottal cycle, placed at waveform peaks along
/// the YIN pitch track) and laid out again one target period apart, so the pitch changes while the spectral envelope
/// (the formants, what makes words intelligible) stays; a grain is repeated or skipped to change the length.
/// Unvoiced parts use fixed 5 ms grains at their own spacing, so noise keeps its colour. With
/// <c>stretchVoicedOnly</c> a lengthening stretches only the voiced parts (vowels and sonorants, as a singer holds
/// them) and leaves consonant noise at its spoken length.
/// </summary>
public static class Psola
{
    /// <summary>A pitch mark: source sample, the local period (or unvoiced grain spacing) in samples, and whether it is voiced.</summary>
    public readonly record struct Mark(int Position, double Period, bool Voiced);

    /// <summary>
    /// <paramref name="source"/> re-timed to <paramref name="outputLength"/> samples with its voiced parts at
    /// <paramref name="targetHz"/> (a function of the output time in seconds).
    /// </summary>
    public static float[] Transform(float[] source, int sampleRate, int outputLength, Func<double, double> targetHz, bool stretchVoicedOnly = true)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(targetHz);
        ArgumentOutOfRangeException.ThrowIfLessThan(outputLength, 1);
        if (source.Length == 0) return new float[outputLength];
        var tracker = new PitchTracker(sampleRate);
        var f0 = tracker.Track(source);
        var marks = FindMarks(source, sampleRate, f0, tracker.Hop);
        var sourceTime = TimeMap(source, f0, tracker.Hop, outputLength, stretchVoicedOnly);
        return Synthesize(source, sampleRate, marks, outputLength, sourceTime, targetHz);
    }

    /// <summary>Pitch marks of <paramref name="source"/> from its pitch track (<paramref name="f0"/>, one value per <paramref name="hop"/> samples).</summary>
    public static Mark[] FindMarks(float[] source, int sampleRate, double[] f0, int hop)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(f0);
        double unvoicedStep = 0.005 * sampleRate;
        var marks = new List<Mark>();
        double position = 0;
        bool previousVoiced = false;
        while (position < source.Length)
        {
            int frame = Math.Min(f0.Length - 1, (int)Math.Round(position / hop));
            double hz = f0[frame];
            if (hz > 0)
            {
                double period = sampleRate / hz;
                int mark = previousVoiced
                    ? PeakNear(source, position, 0.2 * period)          // one period after the last mark
                    : PeakNear(source, position + period / 2, period / 2); // the first cycle of a voiced run
                marks.Add(new Mark(mark, period, true));
                position = mark + period;
                previousVoiced = true;
            }
            else
            {
                marks.Add(new Mark((int)position, unvoicedStep, false));
                position += unvoicedStep;
                previousVoiced = false;
            }
        }
        return [.. marks];
    }

    static int PeakNear(float[] x, double centre, double radius)
    {
        int from = Math.Max(0, (int)Math.Floor(centre - radius)), to = Math.Min(x.Length - 1, (int)Math.Ceiling(centre + radius));
        int best = Math.Clamp((int)Math.Round(centre), 0, x.Length - 1);
        for (int i = from; i <= to; i++) if (x[i] > x[best]) best = i;
        return best;
    }

    /// <summary>
    /// Source sample position at each output sample index (as a function). Lengthening with
    /// <paramref name="stretchVoicedOnly"/> gives each voiced frame extra time in proportion to its squared loudness
    /// (relative to the loudest), so vowel cores are held while nasals, glides and consonant noise keep about their
    /// spoken length; otherwise the rate is uniform.
    /// </summary>
    static Func<double, double> TimeMap(float[] source, double[] f0, int hop, int outputLength, bool stretchVoicedOnly)
    {
        int sourceLength = source.Length;
        int frames = (sourceLength + hop - 1) / hop;
        var weight = new double[frames];
        var length = new double[frames];
        double loudest = 0;
        for (int f = 0; f < frames; f++)
        {
            int from = f * hop, to = Math.Min(sourceLength, from + hop);
            length[f] = to - from;
            double sum = 0;
            for (int i = from; i < to; i++) sum += (double)source[i] * source[i];
            weight[f] = f < f0.Length && f0[f] > 0 ? sum / length[f] : 0; // mean square: squared loudness
            loudest = Math.Max(loudest, weight[f]);
        }
        double totalWeight = 0;
        for (int f = 0; f < frames; f++) totalWeight += weight[f] = loudest > 0 ? weight[f] / loudest * length[f] : 0;
        bool held = stretchVoicedOnly && outputLength > sourceLength && totalWeight > 0;
        double extra = held ? (outputLength - sourceLength) / totalWeight : 0, uniform = (double)outputLength / sourceLength;
        // Output time at each frame boundary; the inverse is read by linear interpolation.
        var outputAt = new double[frames + 1];
        for (int f = 0; f < frames; f++) outputAt[f + 1] = outputAt[f] + (held ? length[f] + extra * weight[f] : length[f] * uniform);
        return t =>
        {
            int f = Array.BinarySearch(outputAt, t);
            if (f >= 0) return Math.Min((double)f * hop, sourceLength);
            f = Math.Clamp(~f - 1, 0, frames - 1);
            double width = outputAt[f + 1] - outputAt[f];
            double fraction = width > 0 ? (t - outputAt[f]) / width : 0;
            return Math.Min(sourceLength, f * hop + fraction * length[f]);
        };
    }

    static float[] Synthesize(float[] x, int sampleRate, Mark[] marks, int outputLength, Func<double, double> sourceTime, Func<double, double> targetHz)
    {
        var output = new double[outputLength];
        var weight = new double[outputLength];
        if (marks.Length == 0) return new float[outputLength];
        var positions = marks.Select(m => m.Position).ToArray();
        double t = 0;
        while (t < outputLength)
        {
            double s = sourceTime(t);
            int i = Array.BinarySearch(positions, (int)Math.Round(s));
            if (i < 0)
            {
                i = ~i;
                if (i >= positions.Length || (i > 0 && s - positions[i - 1] < positions[i] - s)) i--;
            }
            var mark = marks[i];
            int half = (int)Math.Round(mark.Period);
            int centre = (int)Math.Round(t);
            for (int k = -half; k <= half; k++)
            {
                int from = mark.Position + k, to = centre + k;
                if (from < 0 || from >= x.Length || to < 0 || to >= outputLength) continue;
                double w = 0.5 + 0.5 * Math.Cos(Math.PI * k / (half + 1));
                output[to] += w * x[from];
                weight[to] += w;
            }
            t += mark.Voiced ? sampleRate / Math.Clamp(targetHz(t / sampleRate), 40, sampleRate / 4.0) : mark.Period;
        }
        var result = new float[outputLength];
        // Where grains overlap by more than a Hann pair (raised pitch) divide the sum back to the source's level;
        // where they are further apart (lowered pitch) the gaps are the longer period's.
        for (int n = 0; n < outputLength; n++) result[n] = (float)(output[n] / Math.Max(weight[n], 1));
        return result;
    }
}
