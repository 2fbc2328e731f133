using Media.Modeling.Diffusion;
using Media.Services.Image.MagicMix;
using static TorchSharp.torch;

namespace Media.Services.Image.Tests.MagicMix;

/// <summary>
/// MagicMix's mixing arithmetic against hand-run DDIM, with a fixed analytic denoiser (no trained weights): ν = 1 is plain
/// content denoising, ν = 0 lands exactly on the noised layout at k_min, the one noise draw is reused at every level, and
/// text-text mode follows the layout prompt down to k_max.
/// </summary>
[Collection(nameof(SingleThreadedTorch))]
public sealed class MagicMixSamplerTests
{
    static readonly GaussianDiffusion Training = GaussianDiffusion.Create("scaled_linear", 1000, DiffusionVariance.FixedSmall);

    // A denoiser that depends on x, t and the prompt, so a step taken with the wrong prompt, level or input shows.
    static Tensor Denoise(Tensor x, Tensor t, MixPrompt prompt)
    {
        var level = (t.to_type(ScalarType.Float32) / 1000).view(-1, 1, 1, 1);
        return 0.3 * x * level + (prompt == MixPrompt.Content ? 0.2 : -0.4) * (1 - level);
    }

    static (Tensor Layout, Tensor Noise) Inputs(int seed)
    {
        using var generator = new TorchSharp.torch.Generator((ulong)seed);
        return (randn([2, 4, 8, 8], generator: generator), randn([2, 4, 8, 8], generator: generator));
    }

    static Tensor PlainDdim(GaussianDiffusion process, Tensor x, int from, int to, MixPrompt prompt)
    {
        for (int i = from; i >= to; i--)
        {
            var t = full(x.shape[0], i, ScalarType.Int64);
            x = process.DdimStep(Denoise(x, process.MapTimesteps(t), prompt), x, t);
        }
        return x;
    }

    [Fact]
    public void Nu_one_is_plain_content_denoising_from_the_noised_layout()
    {
        using var scope = NewDisposeScope();
        var sampler = new MagicMixSampler(Training, new MagicMixOptions { Nu = 1 });
        var (layout, noise) = Inputs(1);
        var mixed = sampler.MixImage(Denoise, layout, noise);
        int start = sampler.Options.KMaxSteps - 1;
        var expected = PlainDdim(sampler.Process, sampler.NoisedLayout(layout, noise, start), start, 0, MixPrompt.Content);
        Assert.True(mixed.allclose(expected, rtol: 1e-5, atol: 1e-6));
    }

    [Fact]
    public void Nu_zero_lands_on_the_noised_layout_at_every_layout_level_with_the_same_noise()
    {
        using var scope = NewDisposeScope();
        var options = new MagicMixOptions { Nu = 0 };
        var sampler = new MagicMixSampler(Training, options);
        var (layout, noise) = Inputs(2);
        var seen = new List<(MixPhase Phase, Tensor Latent)>();
        sampler.MixImage(Denoise, layout, noise, step => seen.Add((step.Phase, step.Latent.clone().DetachFromDisposeScope())));
        Assert.Equal(options.KMaxSteps, seen.Count);
        var layoutSteps = seen.TakeWhile(s => s.Phase == MixPhase.LayoutMixing).ToList();
        Assert.Equal(options.KMaxSteps - options.KMinSteps, layoutSteps.Count);
        Assert.All(seen.Skip(layoutSteps.Count), s => Assert.Equal(MixPhase.Content, s.Phase));
        for (int k = 0; k < layoutSteps.Count; k++)
        {
            int level = options.KMaxSteps - 2 - k;
            Assert.True(layoutSteps[k].Latent.allclose(sampler.NoisedLayout(layout, noise, level), rtol: 1e-5, atol: 1e-6), $"level {level}");
        }
        // At k_min the mix is exactly q(x_{k_min} | layout) with the fixed noise; a different draw would not match.
        var atKMin = sampler.NoisedLayout(layout, noise, options.KMinSteps - 1);
        Assert.True(layoutSteps[^1].Latent.allclose(atKMin, rtol: 1e-5, atol: 1e-6));
        var (_, otherNoise) = Inputs(3);
        Assert.False(layoutSteps[^1].Latent.allclose(sampler.NoisedLayout(layout, otherNoise, options.KMinSteps - 1), rtol: 1e-3, atol: 1e-3));
    }

    [Fact]
    public void One_layout_step_mixes_the_content_step_with_the_layout_at_the_level_it_lands_on()
    {
        using var scope = NewDisposeScope();
        var sampler = new MagicMixSampler(Training, new MagicMixOptions { Nu = 0.3 });
        var (layout, noise) = Inputs(4);
        Tensor? first = null;
        sampler.MixImage(Denoise, layout, noise, step => first ??= step.Latent.clone().DetachFromDisposeScope());
        int start = sampler.Options.KMaxSteps - 1;
        var stepped = PlainDdim(sampler.Process, sampler.NoisedLayout(layout, noise, start), start, start, MixPrompt.Content);
        var expected = 0.3 * stepped + 0.7 * sampler.NoisedLayout(layout, noise, start - 1);
        Assert.True(first!.allclose(expected, rtol: 1e-5, atol: 1e-6));
    }

    [Fact]
    public void Text_mode_denoises_the_layout_prompt_to_k_max_and_nu_zero_follows_the_layout_branch_to_k_min()
    {
        using var scope = NewDisposeScope();
        var options = new MagicMixOptions { Nu = 0, Steps = 20 };
        var sampler = new MagicMixSampler(Training, options);
        var (_, noise) = Inputs(5);
        var seen = new List<MixStep>();
        var latents = new List<Tensor>();
        sampler.MixText(Denoise, noise, step => { seen.Add(step); latents.Add(step.Latent.clone().DetachFromDisposeScope()); });
        Assert.Equal(options.Steps, seen.Count);
        Assert.Equal(options.Steps - options.KMaxSteps, seen.Count(s => s.Phase == MixPhase.LayoutGeneration));
        int start = options.KMaxSteps - 1;
        var atKMax = PlainDdim(sampler.Process, noise, options.Steps - 1, start + 1, MixPrompt.Layout);
        Assert.True(latents[options.Steps - options.KMaxSteps - 1].allclose(atKMax, rtol: 1e-5, atol: 1e-6));
        var atKMin = PlainDdim(sampler.Process, atKMax, start, options.KMinSteps, MixPrompt.Layout);
        int lastLayout = seen.FindLastIndex(s => s.Phase == MixPhase.LayoutMixing);
        Assert.True(latents[lastLayout].allclose(atKMin, rtol: 1e-5, atol: 1e-6));
    }

    [Fact]
    public void The_linear_nu_schedule_rises_from_nu_to_one_across_the_layout_phase()
    {
        var options = new MagicMixOptions { Nu = 0.4, NuSchedule = NuSchedule.Linear };
        Assert.Equal(0.4, options.NuAt(options.KMaxSteps - 2), 12);
        Assert.Equal(1.0, options.NuAt(options.KMinSteps - 1), 12);
        Assert.Equal(0.4, new MagicMixOptions { Nu = 0.4 }.NuAt(options.KMinSteps - 1), 12);
    }

    [Theory]
    [InlineData(1.5, 0.3, 0.6, "nu")]
    [InlineData(0.5, 0.7, 0.6, "k_min")]
    [InlineData(0.5, 0.3, 1.2, "k_max")]
    public void Invalid_settings_name_their_field(double nu, double kMin, double kMax, string field)
    {
        var options = new MagicMixOptions { Nu = nu, KMin = kMin, KMax = kMax };
        Assert.Equal(field, options.Problem()?.Field);
        Assert.Equal(field, Assert.Throws<ArgumentException>(options.Validate).ParamName);
    }
}
