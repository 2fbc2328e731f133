using Media.Modeling.Sampling;
using TorchSharp;
using static TorchSharp.torch;

namespace Media.Modeling.Tests.Sampling;

public sealed class RepetitionPenaltyTests
{
    [Fact]
    public void Penalty_matches_a_naive_loop_for_every_mode_and_window()
    {
        using var scope = NewDisposeScope();
        using var g = new Generator(21);
        const int vocab = 12, length = 10;
        var logits = randn(5, vocab, generator: g) * 2;
        long[,] history =
        {
            { 3, 3, 3, 5, 1, 1, 7, 3, 0, 11 },
            { -1, -1, -1, 2, 2, 4, 4, 4, 2, 9 },   // left padding
            { 6, 6, 6, 6, 6, 6, 6, 6, 6, 6 },
            { 0, 1, 2, 3, 4, 5, 6, 7, 8, 9 },
            { 6, 6, 6, 6, 6, 6, 6, 2, 6, 6 },
        };
        SamplingParameters[] rows =
        [
            new() { RepetitionPenalty = 1.1, RepetitionWindow = 0, RepetitionMode = RepetitionPenaltyMode.Count },
            new() { RepetitionPenalty = 1.5, RepetitionWindow = 5, RepetitionMode = RepetitionPenaltyMode.Presence },
            new() { RepetitionPenalty = 1.2, RepetitionWindow = 3, RepetitionMode = RepetitionPenaltyMode.CountDivide },
            new() { RepetitionPenalty = 1.0 },
            new() { RepetitionPenalty = 1.1, RepetitionWindow = 5, RepetitionMode = RepetitionPenaltyMode.PresenceDivide },
        ];
        var flatHistory = new long[5 * length];
        Buffer.BlockCopy(history, 0, flatHistory, 0, flatHistory.Length * sizeof(long));
        var result = RepetitionPenalty.Apply(logits, tensor(flatHistory).view(5, length), rows);

        var x = logits.data<float>().ToArray();
        var got = result.data<float>().ToArray();
        for (int r = 0; r < 5; r++)
        {
            int window = rows[r].RepetitionWindow == 0 ? length : rows[r].RepetitionWindow;
            var counts = new int[vocab];
            for (int j = length - window; j < length; j++)
            {
                if (history[r, j] >= 0) counts[history[r, j]]++;
            }
            for (int v = 0; v < vocab; v++)
            {
                double logit = x[r * vocab + v], penalty = rows[r].RepetitionPenalty, expected = logit;
                if (counts[v] > 0)
                {
                    var mode = rows[r].RepetitionMode;
                    double factor = mode is RepetitionPenaltyMode.Presence or RepetitionPenaltyMode.PresenceDivide ? penalty : Math.Pow(penalty, counts[v]);
                    expected = mode is RepetitionPenaltyMode.CountDivide or RepetitionPenaltyMode.PresenceDivide || logit > 0 ? logit / factor : logit * factor;
                }
                Assert.Equal(expected, got[r * vocab + v], 4);
            }
        }
        // Token 3 of row 0 was seen four times: 1.1^4. Token 6 of the last row four times in its window, LeVo's way: divided by 1.1 once, whatever its sign.
        Assert.Equal(x[3] > 0 ? x[3] / Math.Pow(1.1, 4) : x[3] * Math.Pow(1.1, 4), got[3], 4);
        Assert.Equal(x[4 * vocab + 6] / 1.1, got[4 * vocab + 6], 4);
    }

    [Fact]
    public void Penalty_applies_to_every_position_of_a_k_position_row()
    {
        using var scope = NewDisposeScope();
        var logits = ones(1, 3, 5);
        var result = RepetitionPenalty.Apply(logits, tensor(new long[] { 2, 2 }).view(1, 2),
            [new SamplingParameters { RepetitionPenalty = 2, RepetitionMode = RepetitionPenaltyMode.Count }]);
        Assert.All(result[0, TensorIndex.Colon, 2].data<float>().ToArray(), v => Assert.Equal(0.25f, v));
        Assert.All(result[0, TensorIndex.Colon, 0].data<float>().ToArray(), v => Assert.Equal(1f, v));
    }
}
