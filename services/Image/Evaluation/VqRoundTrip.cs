using Media.Services.Image.Data;
using Media.Tokenizers.Image;

namespace Media.Services.Image.Evaluation;

/// <summary>
/// Scenes' renders through a VQ tokenizer and back, read by the scene evaluator as if generated for their prompts: the
/// ceiling of any AR model on the tokenizer's codes, and the pixels the reconstructions paint over background
/// (<see cref="StrayPixels"/>).
/// </summary>
public static class VqRoundTrip
{
    /// <summary>
    /// Encodes and decodes <paramref name="scenes"/>' images <paramref name="batch"/> at a time on the model's device; one
    /// pass gives the evaluator's report, the stray pixels and the reconstruction metrics.
    /// </summary>
    public static (EvaluationReport Report, StrayPixels Strays, VqReconstructionMetrics Metrics) Evaluate(VqModel model, IReadOnlyList<CaptionedImage> scenes, int batch)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(scenes);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(batch);
        if (scenes.Count == 0) throw new ArgumentException("No scenes to round-trip.", nameof(scenes));
        var report = new EvaluationReport();
        var strays = StrayPixels.None;
        using var images = ImageTensors.ToTensor([.. scenes.Select(s => s.Image)]);
        var metrics = VqReconstructionMetrics.Measure(model, images, batch, (start, reconstructions) =>
        {
            var decoded = ImageTensors.FromTensor(reconstructions.cpu());
            for (int i = 0; i < decoded.Length; i++)
            {
                report.Add(PromptEvaluator.Evaluate(decoded[i], scenes[start + i].Prompt));
                strays = strays.Add(StrayPixels.Measure(scenes[start + i].Image, decoded[i]));
            }
        });
        return (report, strays, metrics);
    }
}
