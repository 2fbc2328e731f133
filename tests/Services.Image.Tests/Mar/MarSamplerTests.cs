using System.Text.Json;
using Media.Services.Image.Generation;
using Media.Services.Image.Mar;
using Media.Services.Image.Tests.Training;
using Media.Tokenizers.Image.Kl;
using static TorchSharp.torch;

namespace Media.Services.Image.Tests.Mar;

/// <summary>MAR's sampler: fills every token in N iterations, pools requests without changing their images, and counts DiSA's head work.</summary>
[Collection(nameof(SingleThreadedTorch))]
public sealed class MarSamplerTests
{
    internal static (MarModel Model, AutoencoderKl Vae) Tiny()
    {
        manual_seed(11);
        var config = MarModelTests.TinyCaption;
        var model = new MarModel(config, new MarCaptions(config).Vocabulary.VocabularySize);
        // Give the zero-initialised head outputs something to say, so samples depend on the condition.
        using (no_grad())
            foreach (var (name, p) in model.named_parameters().Where(p => p.name.Contains("final_layer", StringComparison.Ordinal)))
                p.normal_(0, 0.05);
        model.eval();
        var vae = new AutoencoderKl(KlConfig.Tiny);
        vae.eval();
        return (model, vae);
    }

    [Fact]
    public void Generates_64px_images_with_every_token_known_after_n_iterations()
    {
        using var scope = NewDisposeScope();
        var (model, vae) = Tiny();
        using (model)
        using (vae)
        {
            var sampler = new MarSampler(model, vae);
            var (images, states) = sampler.Generate([new MarSamplingOptions("a red circle") { Seed = 1, Iterations = 4 }]);
            Assert.Equal([1L, 3, 64, 64], images.shape);
            Assert.True(images.abs().max().item<float>() <= 1f);
            Assert.Equal(4, states[0].Iteration);
            Assert.Equal(0, states[0].UnknownTokens);
            Assert.Equal([10, 10, 10, 10], states[0].StepsPerIteration);
            foreach (var s in states) s.Dispose();
        }
    }

    [Fact]
    public void An_image_does_not_depend_on_what_shares_its_batch()
    {
        using var scope = NewDisposeScope();
        var (model, vae) = Tiny();
        using (model)
        using (vae)
        {
            var sampler = new MarSampler(model, vae);
            var alone = new MarSamplingOptions("a blue square on the left") { Seed = 7, Iterations = 4, DiffusionSteps = new(DisaScheduleKind.Linear, 8, 2) };
            var (single, s1) = sampler.Generate([alone]);
            var other = new MarSamplingOptions("a green star") { Seed = 8, Iterations = 6, Cfg = 1.0 };
            var (pair, s2) = sampler.Generate([other, alone]);
            double gap = single[0].sub(pair[1]).abs().max().item<float>();
            Assert.True(gap < 1e-4, $"the pooled image differs by {gap}");
            // Another seed gives another image.
            var (reseeded, s3) = sampler.Generate([alone with { Seed = 9 }]);
            Assert.True(single[0].sub(reseeded[0]).abs().max().item<float>() > 1e-3);
            foreach (var s in s1.Concat(s2).Concat(s3)) s.Dispose();
        }
    }

    [Fact]
    public void Head_evaluations_follow_the_schedule_tokens_and_cfg()
    {
        using var scope = NewDisposeScope();
        var (model, vae) = Tiny();
        using (model)
        using (vae)
        {
            var sampler = new MarSampler(model, vae);
            var schedule = new DiffusionStepsSchedule(DisaScheduleKind.Linear, 9, 3);
            var (_, states) = sampler.Generate([new MarSamplingOptions("a red circle") { Seed = 3, Iterations = 4, DiffusionSteps = schedule }]);
            // Tokens per iteration with MAR's cosine schedule for 64 tokens and N = 4: 64 - 59, 59 - 45, 45 - 24, 24.
            int[] tokens = [5, 14, 21, 24];
            int[] steps = schedule.Steps(4);
            Assert.Equal([9, 7, 5, 3], steps);
            Assert.Equal(steps, states[0].StepsPerIteration);
            Assert.Equal(2L * tokens.Zip(steps, (t, s) => t * s).Sum(), states[0].HeadEvaluations);
            foreach (var s in states) s.Dispose();
        }
    }

    [Fact]
    public void The_head_starts_at_the_models_sampling_max_timestep_and_at_most_950_under_disa()
    {
        var mar = MarModelTests.TinyCaption;
        var linear = new DiffusionStepsSchedule(DisaScheduleKind.Linear, 50, 5);
        Assert.Null(MarSampler.HeadStartTimestep(mar, null));
        Assert.Equal(950, MarSampler.HeadStartTimestep(mar, linear));
        Assert.Equal(950, MarSampler.HeadStartTimestep(mar with { SamplingMaxTimestep = 950 }, null));
        Assert.Equal(900, MarSampler.HeadStartTimestep(mar with { SamplingMaxTimestep = 900 }, linear));
    }

    [Fact]
    public void Job_parameters_parse_diffusion_steps_and_refuse_bad_ones()
    {
        var json = JsonDocument.Parse("""{"prompt":"a red circle","seed":4,"guidance_scale":2.5,"diffusion_steps":{"schedule":"cosine","max":40,"min":4}}""").RootElement;
        var (options, previews) = MarRequest.FromJob(json, 64, 64);
        Assert.Equal(new DiffusionStepsSchedule(DisaScheduleKind.Cosine, 40, 4), options.DiffusionSteps);
        Assert.Equal(2.5, options.Cfg);
        Assert.Equal(4, options.Seed);
        Assert.True(previews);
        Assert.Null(MarRequest.FromJob(JsonDocument.Parse("""{"prompt":"a red circle"}""").RootElement, 64, 64).Options.DiffusionSteps);
        foreach (var bad in new[]
        {
            """{"prompt":"a red circle","diffusion_steps":{"schedule":"square"}}""",
            """{"prompt":"a red circle","diffusion_steps":{"max":5,"min":50}}""",
            """{"prompt":"a red circle","diffusion_steps":7}""",
            """{"prompt":"a red circle","width":128}""",
            """{"prompt":"a red circle","iterations":0}""",
            """{"prompt":""}""",
        })
            Assert.Throws<ArgumentException>(() => MarRequest.FromJob(JsonDocument.Parse(bad).RootElement, 64, 64));
    }
}
