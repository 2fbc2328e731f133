using Media.Audio.Metrics;

namespace Media.Audio.Tests.Metrics;

public sealed class MelCepstralDistortionTests
{
    [Fact]
    public void Dtw_finds_the_cheapest_monotone_path_found_by_brute_force()
    {
        var random = new Random(3);
        for (int trial = 0; trial < 20; trial++)
        {
            int rows = random.Next(1, 5), columns = random.Next(1, 6);
            var cost = Enumerable.Range(0, rows).Select(_ => Enumerable.Range(0, columns).Select(_ => random.NextDouble()).ToArray()).ToArray();
            var alignment = DynamicTimeWarping.Align(cost);
            Assert.Equal(BruteForce(cost, 0, 0), alignment.TotalCost, 9);
            Assert.Equal(alignment.TotalCost, alignment.Path.Sum(p => cost[p.Row][p.Column]), 9);
            Assert.Equal((0, 0), alignment.Path[0]);
            Assert.Equal((rows - 1, columns - 1), alignment.Path[^1]);
        }
    }

    static double BruteForce(double[][] cost, int r, int c)
    {
        int rows = cost.Length, columns = cost[0].Length;
        if (r == rows - 1 && c == columns - 1) return cost[r][c];
        double best = double.PositiveInfinity;
        if (r + 1 < rows) best = Math.Min(best, BruteForce(cost, r + 1, c));
        if (c + 1 < columns) best = Math.Min(best, BruteForce(cost, r, c + 1));
        if (r + 1 < rows && c + 1 < columns) best = Math.Min(best, BruteForce(cost, r + 1, c + 1));
        return cost[r][c] + best;
    }

    [Fact]
    public void Mcd_is_zero_for_identical_audio_small_for_a_delay_and_large_for_other_speech()
    {
        var x = TestSignals.SpeechLike(16000, 1.0, 4);
        var delayed = new float[200 * 16].Concat(x).ToArray(); // 200 ms of silence first: DTW absorbs it
        var other = TestSignals.SpeechLike(16000, 1.0, 99);
        using var mcd = new MelCepstralDistortion(16000);
        Assert.Equal(0, mcd.Compute(x, x), 9);
        double shifted = mcd.Compute(x, delayed), different = mcd.Compute(x, other);
        Assert.True(shifted < different / 2, $"delayed {shifted} vs other {different}");
        Assert.Equal(13, mcd.Cepstra(x)[0].Length);
    }
}
