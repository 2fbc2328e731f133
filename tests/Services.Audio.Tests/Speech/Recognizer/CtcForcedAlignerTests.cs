using Media.Services.Audio.Speech.Recognizer;

namespace Media.Services.Audio.Tests.Speech.Recognizer;

public sealed class CtcForcedAlignerTests
{
    /// <summary>Log-probabilities where frame t strongly prefers <paramref name="best"/>[t] (0 = blank) over the other symbols.</summary>
    static float[,] Peaked(int[] best, int symbols)
    {
        var rows = new float[best.Length, symbols];
        for (int t = 0; t < best.Length; t++)
            for (int s = 0; s < symbols; s++)
                rows[t, s] = s == best[t] ? MathF.Log(0.9f) : MathF.Log(0.1f / (symbols - 1));
        return rows;
    }

    [Fact]
    public void Each_label_is_placed_at_the_first_frame_that_emits_it()
    {
        // _ a a _ b _ _ c  -> a at 1, b at 4, c at 7
        var logProbs = Peaked([0, 1, 1, 0, 2, 0, 0, 3], 4);
        Assert.Equal(new[] { 1, 4, 7 }, CtcForcedAligner.Align(logProbs, [1, 2, 3], blank: 0));
    }

    [Fact]
    public void A_repeated_label_is_split_by_a_blank_even_against_the_frames_preference()
    {
        // The frames say "a" throughout, but the target "a a" needs a blank between its two a's.
        var logProbs = Peaked([1, 1, 1, 1], 3);
        var first = CtcForcedAligner.Align(logProbs, [1, 1], blank: 0);
        Assert.NotNull(first);
        Assert.True(first![1] >= first[0] + 2, $"the second a starts at {first[1]}, right after the first at {first[0]}");
    }

    [Fact]
    public void Labels_that_need_more_frames_than_there_are_give_no_alignment()
    {
        Assert.Null(CtcForcedAligner.Align(Peaked([1, 2], 4), [1, 2, 3], blank: 0));
        Assert.Null(CtcForcedAligner.Align(Peaked([1, 1], 3), [1, 1], blank: 0));
        Assert.Equal(new[] { 0, 1 }, CtcForcedAligner.Align(Peaked([1, 2], 4), [1, 2], blank: 0));
    }

    [Fact]
    public void The_best_path_score_matches_a_brute_force_search_over_all_paths()
    {
        var random = new Random(3);
        const int frames = 6, symbols = 3;
        var logProbs = new float[frames, symbols];
        for (int t = 0; t < frames; t++)
        {
            var p = Enumerable.Range(0, symbols).Select(_ => random.NextDouble() + 0.05).ToArray();
            double sum = p.Sum();
            for (int s = 0; s < symbols; s++) logProbs[t, s] = (float)Math.Log(p[s] / sum);
        }
        int[] labels = [1, 2, 1];
        // Brute force: every frame-wise path whose CTC collapse is the labels; keep the best one's first frames.
        double bestScore = double.NegativeInfinity;
        int[]? bestFirst = null;
        int total = (int)Math.Pow(symbols, frames);
        for (int code = 0; code < total; code++)
        {
            var path = new int[frames];
            for (int t = 0, c = code; t < frames; t++, c /= symbols) path[t] = c % symbols;
            if (!Media.Services.Audio.Speech.Recognizer.CtcGreedyDecoder.Collapse(path, 0).SequenceEqual(labels)) continue;
            double score = Enumerable.Range(0, frames).Sum(t => (double)logProbs[t, path[t]]);
            if (score <= bestScore) continue;
            bestScore = score;
            var first = new List<int>();
            for (int t = 0; t < frames; t++)
                if (path[t] != 0 && (t == 0 || path[t - 1] != path[t])) first.Add(t);
            bestFirst = [.. first];
        }
        Assert.Equal(bestFirst, CtcForcedAligner.Align(logProbs, labels, blank: 0));
    }
}
