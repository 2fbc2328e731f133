using Media.Modeling.Diffusion;

namespace Media.Modeling.Tests.Diffusion;

public sealed class DiffusionStepScheduleTests
{
    [Theory]
    [InlineData(0, 50)]
    [InlineData(31, 27)]    // 5 + floor(32/63 * 45) = 5 + 22
    [InlineData(62, 5)]     // 5 + floor(1/63 * 45)
    [InlineData(63, 5)]
    public void Linear_annealing_matches_DiSA(int step, int expected) =>
        Assert.Equal(expected, new DiffusionStepSchedule(DiffusionStepAnnealing.Linear, 50, 5).StepsAt(step, 64));

    [Theory]
    [InlineData(0, 50)]
    [InlineData(21, 38)]    // cos(pi/3) = 0.5: 5 + floor(0.75 * 45) = 5 + 33
    [InlineData(63, 5)]
    public void Cosine_annealing_matches_DiSA(int step, int expected) =>
        Assert.Equal(expected, new DiffusionStepSchedule(DiffusionStepAnnealing.Cosine, 50, 5).StepsAt(step, 64));

    [Fact]
    public void Two_stage_and_constant_annealing_match_DiSA()
    {
        var twoStage = new DiffusionStepSchedule(DiffusionStepAnnealing.TwoStage, 50, 5);
        Assert.Equal(50, twoStage.StepsAt(31, 64));
        Assert.Equal(5, twoStage.StepsAt(32, 64));
        Assert.Equal(5, new DiffusionStepSchedule(DiffusionStepAnnealing.Constant, 50, 5).StepsAt(0, 64));
        Assert.Throws<ArgumentOutOfRangeException>(() => twoStage.StepsAt(64, 64));
    }
}
