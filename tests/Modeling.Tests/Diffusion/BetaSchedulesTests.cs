using Media.Modeling.Diffusion;

namespace Media.Modeling.Tests.Diffusion;

public sealed class BetaSchedulesTests
{
    static double AlphaBar(double t) => Math.Pow(Math.Cos((t + 0.008) / 1.008 * Math.PI / 2), 2);

    [Fact]
    public void Cosine_schedule_matches_the_iDDPM_formula()
    {
        var betas = BetaSchedules.Cosine(1000);
        Assert.Equal(1000, betas.Length);
        foreach (int i in new[] { 0, 1, 250, 500, 900 })
            Assert.Equal(1 - AlphaBar((i + 1) / 1000.0) / AlphaBar(i / 1000.0), betas[i], 14);
        // The last steps hit the 0.999 cap (abar(1) = 0).
        Assert.Equal(0.999, betas[999]);
        // abar_t is the ratio of the continuous alpha-bars while no beta is capped.
        var diffusion = new GaussianDiffusion(betas, DiffusionVariance.FixedSmall);
        foreach (int i in new[] { 0, 499, 900 })
            Assert.Equal(AlphaBar((i + 1) / 1000.0) / AlphaBar(0), diffusion.AlphasCumprod[i], 12);
    }

    [Fact]
    public void Linear_schedule_spans_DDPM_endpoints_scaled_to_the_step_count()
    {
        var thousand = BetaSchedules.Linear(1000);
        Assert.Equal(1e-4, thousand[0], 15);
        Assert.Equal(0.02, thousand[999], 15);
        Assert.Equal(1e-4 + (0.02 - 1e-4) * 500 / 999, thousand[500], 15);
        var hundred = BetaSchedules.Linear(100);
        Assert.Equal(1e-3, hundred[0], 15);
        Assert.Equal(0.2, hundred[99], 14);
    }

    [Fact]
    public void Unknown_schedule_names_are_rejected()
    {
        var ex = Assert.Throws<ArgumentException>(() => BetaSchedules.Named("sigmoid", 10));
        Assert.Contains("linear, cosine or scaled_linear", ex.Message, StringComparison.Ordinal);
    }
}
