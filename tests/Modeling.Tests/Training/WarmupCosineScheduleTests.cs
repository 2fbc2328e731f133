using Media.Modeling.Training;

namespace Media.Modeling.Tests.Training;

/// <summary>The learning-rate schedule against its formula.</summary>
public sealed class WarmupCosineScheduleTests
{
    [Fact]
    public void Warmup_is_linear_and_cosine_decays_to_the_floor()
    {
        var schedule = new WarmupCosineSchedule(peak: 1e-3, floor: 1e-4, warmupSteps: 10, totalSteps: 110);

        // Warmup: peak * (step + 1) / warmup.
        Assert.Equal(1e-4, schedule.LearningRate(0), 12);
        Assert.Equal(5e-4, schedule.LearningRate(4), 12);
        Assert.Equal(1e-3, schedule.LearningRate(9), 12);
        // Decay: floor + (peak - floor) / 2 * (1 + cos(pi * (step - warmup) / (total - warmup))).
        Assert.Equal(1e-3, schedule.LearningRate(10), 12);
        Assert.Equal(1e-4 + 9e-4 * 0.5 * (1 + Math.Cos(Math.PI * 0.25)), schedule.LearningRate(35), 12);
        Assert.Equal(5.5e-4, schedule.LearningRate(60), 12);
        Assert.Equal(1e-4 + 9e-4 * 0.5 * (1 + Math.Cos(Math.PI * 0.9)), schedule.LearningRate(100), 12);
        Assert.Equal(1e-4, schedule.LearningRate(110), 12);
        Assert.Equal(1e-4, schedule.LearningRate(500), 12);
    }

    [Fact]
    public void Without_warmup_the_first_step_uses_the_peak()
    {
        var schedule = new WarmupCosineSchedule(peak: 2.0, floor: 0, warmupSteps: 0, totalSteps: 4);
        double[] expected = [2.0, 2.0 * 0.5 * (1 + Math.Cos(Math.PI / 4)), 1.0, 2.0 * 0.5 * (1 + Math.Cos(3 * Math.PI / 4)), 0.0];
        for (int step = 0; step < expected.Length; step++) Assert.Equal(expected[step], schedule.LearningRate(step), 12);
    }

    [Theory]
    [InlineData(0.0, 0.0, 0L, 10L)]
    [InlineData(1.0, 2.0, 0L, 10L)]
    [InlineData(1.0, 0.0, 11L, 10L)]
    [InlineData(1.0, 0.0, 0L, 0L)]
    public void Impossible_settings_are_refused(double peak, double floor, long warmup, long total)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new WarmupCosineSchedule(peak, floor, warmup, total));
    }
}
