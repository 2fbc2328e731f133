using Media.Services.Image.Mar;

namespace Media.Services.Image.Tests.Mar;

/// <summary>DiSA's schedules give the step counts of MODELS.md (arXiv 2505.20297) at every AR iteration.</summary>
public sealed class DisaScheduleTests
{
    [Fact]
    public void Linear_50_to_5_over_64_iterations_matches_the_formula_and_its_ends()
    {
        var schedule = new DiffusionStepsSchedule(DisaScheduleKind.Linear, 50, 5);
        var steps = schedule.Steps(64);
        Assert.Equal(50, steps[0]);
        Assert.Equal(5, steps[^1]);
        // L + floor((N-1-k)/(N-1) (U-L)): k = 32 gives 5 + floor(31/63 * 45) = 5 + 22.
        Assert.Equal(27, steps[32]);
        Assert.Equal(49, steps[1]); // 5 + floor(62/63 * 45) = 5 + 44
        for (int k = 1; k < 64; k++) Assert.True(steps[k] <= steps[k - 1], $"not monotone at {k}");
        Assert.Equal(Enumerable.Range(0, 64).Select(k => 5 + (int)Math.Floor((63.0 - k) / 63 * 45)), steps);
    }

    [Fact]
    public void Cosine_starts_at_U_ends_at_L_and_is_half_way_in_the_middle()
    {
        var steps = new DiffusionStepsSchedule(DisaScheduleKind.Cosine, 50, 5).Steps(65);
        Assert.Equal(50, steps[0]);
        Assert.Equal(5, steps[^1]);
        // k = 32 of N = 65: cos(pi/2) = 0, so L + floor(0.5 * 45) = 27.
        Assert.Equal(27, steps[32]);
        // Cosine stays high longer than linear early on: k = 8 gives 5 + floor((cos(pi/8) + 1)/2 * 45) = 48.
        Assert.Equal(48, steps[8]);
    }

    [Fact]
    public void Two_stage_is_U_for_the_first_half_and_L_after()
    {
        var steps = new DiffusionStepsSchedule(DisaScheduleKind.TwoStage, 50, 5).Steps(16);
        Assert.Equal(Enumerable.Repeat(50, 8).Concat(Enumerable.Repeat(5, 8)), steps);
    }

    [Fact]
    public void Constant_is_L_at_every_iteration()
    {
        Assert.All(new DiffusionStepsSchedule(DisaScheduleKind.Constant, 50, 5).Steps(16), s => Assert.Equal(5, s));
    }

    [Fact]
    public void One_iteration_takes_the_first_iterations_count()
    {
        Assert.Equal(50, new DiffusionStepsSchedule(DisaScheduleKind.Linear, 50, 5).StepsAt(0, 1));
        Assert.Equal(50, new DiffusionStepsSchedule(DisaScheduleKind.Cosine, 50, 5).StepsAt(0, 1));
    }

    [Theory]
    [InlineData("linear", DisaScheduleKind.Linear)]
    [InlineData("Cosine", DisaScheduleKind.Cosine)]
    [InlineData("two-stage", DisaScheduleKind.TwoStage)]
    [InlineData("constant", DisaScheduleKind.Constant)]
    public void Names_parse(string name, DisaScheduleKind kind) => Assert.Equal(kind, DiffusionStepsSchedule.ParseKind(name));

    [Fact]
    public void Bad_names_and_bounds_are_refused()
    {
        var error = Assert.Throws<ArgumentException>(() => DiffusionStepsSchedule.ParseKind("quadratic"));
        Assert.Contains("two-stage", error.Message);
        Assert.Throws<ArgumentException>(() => new DiffusionStepsSchedule(DisaScheduleKind.Linear, 5, 50).Validate());
        Assert.Throws<ArgumentException>(() => new DiffusionStepsSchedule(DisaScheduleKind.Linear, 50, 0).Validate());
        Assert.Throws<ArgumentException>(() => new DiffusionStepsSchedule(DisaScheduleKind.Linear, 2000, 5).Validate());
    }

    [Fact]
    public void Disa_sampling_process_starts_at_timestep_950_at_most()
    {
        using var head = new DiffLoss(channels: 4, zChannels: 8, width: 32, depth: 1);
        var clipped = head.Sampling(5, DiffusionStepsSchedule.MaxTimestep);
        Assert.Equal(5, clipped.Steps);
        Assert.Equal(950, clipped.TimestepMap[^1]);
        Assert.Equal(0, clipped.TimestepMap[0]);
        Assert.Equal(999, head.Sampling(5).TimestepMap[^1]);
    }
}
