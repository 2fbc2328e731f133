namespace Media.Services.Audio.Speech.Recognizer;

/// <summary>
/// CTC forced alignment: the single most likely path (Viterbi) through the CTC lattice of a known label sequence
/// (Graves et al. 2006), blank between and around the labels. Gives the frame at which each label is first emitted,
/// which is where a CTC recognizer "hears" that character.
/// </summary>
public static class CtcForcedAligner
{
    /// <summary>
    /// The first frame of each label of <paramref name="labels"/> on the best path through <paramref name="logProbs"/>
    /// [frames, symbols] (log-softmax rows), or null when the frames cannot hold the labels (each label needs a frame,
    /// and a repeated label a blank between).
    /// </summary>
    public static int[]? Align(float[,] logProbs, IReadOnlyList<int> labels, int blank)
    {
        ArgumentNullException.ThrowIfNull(logProbs);
        ArgumentNullException.ThrowIfNull(labels);
        int frames = logProbs.GetLength(0), symbols = logProbs.GetLength(1);
        if (labels.Count == 0) return [];
        foreach (int label in labels)
            if (label < 0 || label >= symbols || label == blank)
                throw new ArgumentException($"Label {label} is not a symbol of 0..{symbols - 1} other than the blank {blank}.", nameof(labels));
        int states = 2 * labels.Count + 1;   // blank, l0, blank, l1, ..., blank
        int Symbol(int s) => s % 2 == 0 ? blank : labels[s / 2];
        var score = new double[states];
        var next = new double[states];
        var from = new int[frames, states];
        Array.Fill(score, double.NegativeInfinity);
        score[0] = logProbs[0, blank];
        score[1] = logProbs[0, labels[0]];
        for (int t = 1; t < frames; t++)
        {
            for (int s = 0; s < states; s++)
            {
                double best = score[s];
                int arg = s;
                if (s >= 1 && score[s - 1] > best) { best = score[s - 1]; arg = s - 1; }
                // Skipping the blank between two labels is allowed unless they are the same label.
                if (s >= 2 && s % 2 == 1 && Symbol(s) != Symbol(s - 2) && score[s - 2] > best) { best = score[s - 2]; arg = s - 2; }
                next[s] = best + logProbs[t, Symbol(s)];
                from[t, s] = arg;
            }
            (score, next) = (next, score);
        }
        int state = score[states - 1] >= score[states - 2] ? states - 1 : states - 2;
        if (double.IsNegativeInfinity(score[state])) return null;
        var first = new int[labels.Count];
        for (int t = frames - 1; t >= 0; t--)
        {
            if (state % 2 == 1) first[state / 2] = t;   // walking back, the last write is the first frame
            if (t > 0) state = from[t, state];
        }
        return state <= 1 ? first : null;
    }
}
