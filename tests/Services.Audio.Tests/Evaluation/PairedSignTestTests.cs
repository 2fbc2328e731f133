using Media.Services.Audio.Evaluation;

namespace Media.Services.Audio.Tests.Evaluation;

public sealed class PairedSignTestTests
{
    [Fact]
    public void Only_the_prompts_one_model_got_right_count()
    {
        bool[] candidate = [true, true, false, true, false, true];
        bool[] baseline = [true, false, false, false, true, true];
        var test = PairedSignTest.Of(candidate, baseline);
        Assert.Equal(2, test.Better);
        Assert.Equal(1, test.Worse);
    }

    [Fact]
    public void The_p_value_is_the_exact_two_sided_binomial_tail()
    {
        // 9 better, 1 worse: 2 (C(10,0) + C(10,1)) / 2^10 = 22 / 1024.
        Assert.Equal(22.0 / 1024, new PairedSignTest(9, 1).PValue, 12);
        Assert.Equal(22.0 / 1024, new PairedSignTest(1, 9).PValue, 12);
        // 0 against 6: 2 / 64; an even split and no disagreement at all are no evidence.
        Assert.Equal(2.0 / 64, new PairedSignTest(0, 6).PValue, 12);
        Assert.Equal(1.0, new PairedSignTest(5, 5).PValue);
        Assert.Equal(1.0, new PairedSignTest(0, 0).PValue);
    }

    [Fact]
    public void Accuracies_from_different_prompt_sets_are_refused()
    {
        Assert.Throws<ArgumentException>(() => PairedSignTest.Of([true, false], [true]));
    }
}
