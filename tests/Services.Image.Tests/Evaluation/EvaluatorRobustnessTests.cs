using Media.Services.Image.Data;
using Media.Services.Image.Evaluation;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats.Jpeg;
using SixLabors.ImageSharp.PixelFormats;
using SixLabors.ImageSharp.Processing;
using Xunit.Abstractions;

namespace Media.Services.Image.Tests.Evaluation;

/// <summary>
/// Generated images are decoded from VQ tokens, never as crisp as renders: the evaluator must still
/// read renders that went through lossy compression or a slight blur.
/// </summary>
[Slow("corpus rendering: hundreds of scenes")]
public sealed class EvaluatorRobustnessTests(ITestOutputHelper output)
{
    static EvaluationReport ScoreDegraded(Action<Image<Rgb24>, Stream> degrade)
    {
        var report = new EvaluationReport();
        foreach (var sample in new CaptionedImageGenerator(64, 11).Take(DataSplit.Train, 150))
        {
            using var image = SixLabors.ImageSharp.Image.LoadPixelData<Rgb24>(sample.Image.Pixels, 64, 64);
            using var encoded = new MemoryStream();
            degrade(image, encoded);
            report.Add(PromptEvaluator.Evaluate(RgbImage.Decode(encoded.ToArray()), sample.Prompt));
        }
        return report;
    }

    [Fact]
    public void Jpeg_quality_60_renders_still_score_at_least_95_percent()
    {
        var report = ScoreDegraded((image, stream) =>
            image.SaveAsJpeg(stream, new JpegEncoder { Quality = 60, ColorType = JpegColorType.YCbCrRatio444 }));
        output.WriteLine(report.ToString());
        Assert.True(report.Overall >= 0.95, report.ToString());
    }

    [Fact]
    public void Slightly_blurred_renders_still_score_at_least_98_percent()
    {
        var report = ScoreDegraded((image, stream) =>
        {
            image.Mutate(c => c.GaussianBlur(0.6f));
            image.SaveAsPng(stream);
        });
        output.WriteLine(report.ToString());
        Assert.True(report.Overall >= 0.98, report.ToString());
    }
}
