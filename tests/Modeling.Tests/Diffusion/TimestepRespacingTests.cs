using Media.Modeling.Diffusion;

namespace Media.Modeling.Tests.Diffusion;

public sealed class TimestepRespacingTests
{
    [Fact]
    public void Ten_steps_of_a_thousand_use_a_stride_of_111()
    {
        // (1000 - 1) / (10 - 1) = 111 exactly.
        Assert.Equal(new[] { 0, 111, 222, 333, 444, 555, 666, 777, 888, 999 }, TimestepRespacing.Space(1000, "10"));
    }

    [Fact]
    public void Hundred_steps_round_the_fractional_stride()
    {
        var steps = TimestepRespacing.Space(1000, "100");
        Assert.Equal(100, steps.Length);
        Assert.Equal(0, steps[0]);
        Assert.Equal(10, steps[1]);     // 999/99 = 10.09
        Assert.Equal(505, steps[50]);   // 50 * 10.0909 = 504.55
        Assert.Equal(999, steps[99]);
    }

    [Fact]
    public void Max_timestep_spaces_over_the_clipped_range_with_half_to_even_rounding()
    {
        // 951 steps, 5 kept: stride 950/4 = 237.5; Python's round(237.5) = 238, round(712.5) = 712.
        Assert.Equal(new[] { 0, 238, 475, 712, 950 }, TimestepRespacing.Space(1000, "5", maxTimestep: 950));
    }

    [Fact]
    public void Ddim_and_section_syntax_follow_iDDPM()
    {
        Assert.Equal(Enumerable.Range(0, 10).Select(i => i * 100).ToArray(), TimestepRespacing.Space(1000, "ddim10"));
        // iDDPM's docstring example: 300 steps in sections of 10, 15 and 20.
        var sections = TimestepRespacing.Space(300, "10,15,20");
        Assert.Equal(45, sections.Length);
        Assert.Equal(10, sections.Count(s => s < 100));
        Assert.Equal(15, sections.Count(s => s is >= 100 and < 200));
        Assert.Equal(new[] { 0, 11, 22 }, sections[..3]);   // 99/9 = 11
        Assert.Equal(299, sections[^1]);
    }

    [Theory]
    [InlineData("abc")]
    [InlineData("ddim999")]  // no integer stride gives 999 steps
    [InlineData("2000")]
    [InlineData("")]
    public void Impossible_respacings_are_rejected(string counts) =>
        Assert.Throws<ArgumentException>(() => TimestepRespacing.Space(1000, counts));

    [Fact]
    public void Respaced_betas_keep_alphas_cumprod_at_the_kept_steps()
    {
        var full = GaussianDiffusion.Create("cosine", 1000, DiffusionVariance.LearnedRange);
        var spaced = full.Respace("100");
        var kept = TimestepRespacing.Space(1000, "100");
        Assert.Equal(kept, spaced.TimestepMap);
        Assert.Equal(100, spaced.Steps);
        for (int j = 0; j < kept.Length; j++) Assert.Equal(full.AlphasCumprod[kept[j]], spaced.AlphasCumprod[j], 12);
        Assert.Equal(1 - full.AlphasCumprod[0], spaced.Betas[0], 15);
        Assert.Equal(1 - full.AlphasCumprod[kept[5]] / full.AlphasCumprod[kept[4]], spaced.Betas[5], 15);
        // Respacing a respaced process maps back to the original timesteps.
        Assert.Equal(new[] { 0, 999 }, spaced.Respace([0, 99]).TimestepMap);
    }
}
