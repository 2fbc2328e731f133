using Media.Services.Audio.Speech.Ardit;
using TorchSharp;
using static TorchSharp.torch;

namespace Media.Services.Audio.Tests.Ardit;

[Collection(SingleThreadedTorch.Name)]
public sealed class TextTimingPredictorTests
{
    /// <summary>Rows of random ids 1..5 where id k takes k frames after the previous character, plus a tail of 3 frames.</summary>
    static (Tensor Text, long[] Lengths, double[][] Frames, long[] Totals) Rows(int rows, int seed)
    {
        var random = new Random(seed);
        var lengths = Enumerable.Range(0, rows).Select(_ => (long)random.Next(3, 9)).ToArray();
        long width = lengths.Max();
        var ids = new long[rows * width];
        var frames = new double[rows][];
        var totals = new long[rows];
        for (int r = 0; r < rows; r++)
        {
            frames[r] = new double[lengths[r]];
            double at = 0;
            for (int i = 0; i < lengths[r]; i++)
            {
                int id = random.Next(1, 6);
                ids[r * width + i] = id;
                frames[r][i] = at += id;
            }
            totals[r] = (long)at + 3;
        }
        return (tensor(ids, [rows, width]), lengths, frames, totals);
    }

    [Fact]
    public void Predicted_frames_rise_through_the_text_and_fill_the_requested_duration()
    {
        using var scope = NewDisposeScope();
        manual_seed(1);
        using var predictor = new TextTimingPredictor(8);
        var (text, lengths, _, _) = Rows(4, 2);
        long[] totals = [10, 37, 64, 5];
        var frames = predictor.Predict(text, lengths, totals);
        for (int r = 0; r < 4; r++)
        {
            Assert.Equal(lengths[r], frames[r].Length);
            for (int i = 1; i < frames[r].Length; i++) Assert.True(frames[r][i] >= frames[r][i - 1]);
            Assert.InRange(frames[r][^1], 0, totals[r]);
        }
    }

    [Fact]
    [Slow("model training")]
    public void Trained_on_aligned_rows_it_predicts_held_out_character_frames_within_half_a_frame()
    {
        using var scope = NewDisposeScope();
        manual_seed(1);
        using var predictor = new TextTimingPredictor(8);
        using var optimizer = optim.Adam(predictor.parameters(), 0.01);
        for (int step = 0; step < 300; step++)
        {
            using var stepScope = NewDisposeScope();
            var (text, lengths, frames, totals) = Rows(16, 100 + step);
            optimizer.zero_grad();
            predictor.Loss(text, lengths, frames, totals).backward();
            optimizer.step();
        }
        predictor.eval();
        var (heldText, heldLengths, heldFrames, heldTotals) = Rows(8, 7);
        var predicted = predictor.Predict(heldText, heldLengths, heldTotals);
        for (int r = 0; r < 8; r++)
            for (int i = 0; i < heldLengths[r]; i++)
                Assert.True(Math.Abs(predicted[r][i] - heldFrames[r][i]) < 0.5, $"row {r}, character {i}: {predicted[r][i]:F2} vs {heldFrames[r][i]}");
    }

    [Fact]
    public void Only_an_aligned_model_carries_timing_weights()
    {
        using var uniform = new ArditModel(ArditTestModels.Tiny(4));
        using var aligned = new ArditModel(ArditTestModels.Tiny(4) with { TextTiming = ArditConfig.Aligned });
        Assert.DoesNotContain(uniform.state_dict().Keys, k => k.StartsWith("timing.", StringComparison.Ordinal));
        Assert.Contains("timing.embeddings.weight", aligned.state_dict().Keys);
        Assert.Contains("timing.convs.2.weight", aligned.state_dict().Keys);
        Assert.Throws<ArgumentException>(() => new ArditModel(ArditTestModels.Tiny(4) with { TextTiming = "phonemes" }));
    }
}
