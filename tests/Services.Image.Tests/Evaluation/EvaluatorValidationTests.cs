using Media.Services.Image.Data;
using Media.Services.Image.Evaluation;
using Xunit.Abstractions;

namespace Media.Services.Image.Tests.Evaluation;

/// <summary>
/// The evaluator's validation: near-perfect on ground-truth renders, near chance (here: at most the
/// chance level of a uniform guess) on noise and on blank images, and far from perfect on renders
/// judged against other samples' prompts.
/// </summary>
[Slow("corpus rendering: hundreds of scenes")]
public sealed class EvaluatorValidationTests(ITestOutputHelper output)
{
    static EvaluationReport Score(IEnumerable<(RgbImage Image, PromptSpec Prompt)> samples)
    {
        var report = new EvaluationReport();
        foreach (var (image, prompt) in samples) report.Add(PromptEvaluator.Evaluate(image, prompt));
        return report;
    }

    static IEnumerable<CaptionedImage> Renders(int imageSize, int train, int heldOut, ulong seed)
    {
        var generator = new CaptionedImageGenerator(imageSize, seed);
        return generator.Take(DataSplit.Train, train).Concat(generator.Take(DataSplit.HeldOut, heldOut));
    }

    [Theory]
    [InlineData(64, 300, 100, 1UL)]
    [InlineData(128, 60, 20, 2UL)]
    public void Ground_truth_renders_score_at_least_98_percent_on_every_criterion(int imageSize, int train, int heldOut, ulong seed)
    {
        var report = Score(Renders(imageSize, train, heldOut, seed).Select(s => (s.Image, s.Prompt)));
        output.WriteLine($"ground truth at {imageSize}px:\n{report}");
        foreach (var criterion in Enum.GetValues<Criterion>())
        {
            Assert.True(report.Asked(criterion) > 0, $"{criterion} was never asked");
            Assert.True(report.Accuracy(criterion) >= 0.98, $"{criterion}: {report.Accuracy(criterion):0.000}");
        }
        Assert.True(report.Overall >= 0.98, $"overall {report.Overall:0.000}");
    }

    [Fact]
    public void Uniform_noise_scores_no_better_than_chance()
    {
        var random = new Random(7);
        var prompts = Renders(64, 200, 0, 3).Select(s => s.Prompt).ToArray();
        var report = Score(prompts.Select(p =>
        {
            var noise = new byte[64 * 64 * 3];
            random.NextBytes(noise);
            return (new RgbImage(64, 64, noise), p);
        }));
        output.WriteLine($"uniform noise:\n{report}");
        AssertAtMostChance(report);
    }

    [Theory]
    [InlineData(128, 128, 128)] // the gray background
    [InlineData(0, 0, 0)]
    [InlineData(255, 255, 255)]
    public void Blank_images_score_no_better_than_chance(byte r, byte g, byte b)
    {
        var prompts = Renders(64, 200, 0, 4).Select(s => s.Prompt).ToArray();
        var report = Score(prompts.Select(p => (RgbImage.Filled(64, 64, r, g, b), p)));
        output.WriteLine($"blank ({r},{g},{b}):\n{report}");
        AssertAtMostChance(report);
    }

    [Fact]
    public void Renders_judged_against_other_prompts_score_far_below_ground_truth()
    {
        var samples = Renders(64, 200, 0, 5).ToArray();
        // Each image against the prompt of the next sample.
        var report = Score(samples.Select((s, i) => (s.Image, samples[(i + 1) % samples.Length].Prompt)));
        output.WriteLine($"mismatched prompts:\n{report}");
        Assert.True(report.Accuracy(Criterion.Color) <= 0.35, $"colour {report.Accuracy(Criterion.Color)}");
        Assert.True(report.Accuracy(Criterion.Shape) <= 0.35, $"shape {report.Accuracy(Criterion.Shape)}");
        Assert.True(report.Accuracy(Criterion.Position) <= 0.3, $"position {report.Accuracy(Criterion.Position)}");
        Assert.True(report.Overall <= 0.1, $"overall {report.Overall}");
    }

    // A uniform guess per object gets a criterion right with EvaluationReport.ChanceLevel; allow 0.1
    // for sampling noise over 200 prompts (the background's 1/3 is the only level an empty scene can reach).
    static void AssertAtMostChance(EvaluationReport report)
    {
        foreach (var criterion in Enum.GetValues<Criterion>())
            if (report.Accuracy(criterion) is { } accuracy)
                Assert.True(accuracy <= EvaluationReport.ChanceLevel(criterion) + 0.1,
                    $"{criterion}: {accuracy:0.000} above chance {EvaluationReport.ChanceLevel(criterion):0.000}");
        Assert.True(report.Overall <= 0.05, $"overall {report.Overall:0.000}");
    }
}
