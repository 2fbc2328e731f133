using Media.Services.Image.Data;
using Media.Tokenizers.Image;
using static TorchSharp.torch;

namespace Media.Services.Image.Evaluation;

/// <summary>
/// Scenes' renders through a VQ tokenizer and back, read by the scene evaluator as if generated for their prompts: the
/// ceiling of any AR model on the tokenizer's codes, and the pixels the reconstructions paint over background
/// (<see cref="StrayPixels"/>).
/// </summary>
public static class VqRoundTrip
{
    /// <summary>Encodes and decodes <paramref name="scenes"/>' images <paramref name="batch"/> at a time on <paramref name="device"/> (null: the CPU).</summary>
    public static (EvaluationReport Report, StrayPixels Strays) Evaluate(VqModel model, IReadOnlyList<CaptionedImage> scenes, int batch, Device? device = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(scenes);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(batch);
        var report = new EvaluationReport();
        var strays = StrayPixels.None;
        for (int start = 0; start < scenes.Count; start += batch)
        {
            using var scope = NewDisposeScope();
            using var noGrad = no_grad();
            var chunk = scenes.Skip(start).Take(batch).ToList();
            var decoded = ImageTensors.FromTensor(model.Decode(model.Encode(ImageTensors.ToTensor([.. chunk.Select(s => s.Image)], device))).cpu());
            for (int i = 0; i < chunk.Count; i++)
            {
                report.Add(PromptEvaluator.Evaluate(decoded[i], chunk[i].Prompt));
                strays = strays.Add(StrayPixels.Measure(chunk[i].Image, decoded[i]));
            }
        }
        return (report, strays);
    }
}
