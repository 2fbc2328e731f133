using Media.Services.Image.Data;
using Media.Tokenizers.Image;
using Media.Tokenizers.Image.DAr;
using TorchSharp;
using static TorchSharp.torch;

namespace Media.Services.Image.Evaluation;

/// <summary>
/// Scenes' renders through a D-AR tokenizer and back (encode, then all G flow steps from seeded noise), read by the scene
/// evaluator as if generated for their prompts: the ceiling of a GPT on the tokenizer's codes, with the reconstruction PSNR
/// and how much of the codebook the scenes use, from the same decodes.
/// </summary>
public static class DArRoundTrip
{
    /// <summary>What one tokenizer's round trip of a set of scenes measured.</summary>
    public sealed record Result(EvaluationReport Report, double Psnr, int CodesUsed, int CodebookSize);

    /// <summary>
    /// Round-trips <paramref name="scenes"/> <paramref name="batch"/> at a time on the tokenizer's device; the batch starting at
    /// scene s decodes from noise drawn with seed <paramref name="seed"/> + s.
    /// </summary>
    public static Result Evaluate(DArTokenizer tokenizer, IReadOnlyList<CaptionedImage> scenes, long seed, int batch = 50)
    {
        ArgumentNullException.ThrowIfNull(tokenizer);
        ArgumentNullException.ThrowIfNull(scenes);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(batch);
        if (scenes.Count == 0) throw new ArgumentException("No scenes to round-trip.", nameof(scenes));
        bool wasTraining = tokenizer.training;
        tokenizer.eval();
        try
        {
            var report = new EvaluationReport();
            var used = new HashSet<long>();
            double psnr = 0;
            for (int start = 0; start < scenes.Count; start += batch)
            {
                using var scope = NewDisposeScope();
                using var noGrad = no_grad();
                var part = scenes.Skip(start).Take(batch).ToList();
                var truth = ImageTensors.ToTensor([.. part.Select(s => s.Image)], tokenizer.Device);
                using var generator = new Generator((ulong)(seed + start), CPU);
                var noise = randn(truth.shape, generator: generator).to(truth.device);
                var codes = tokenizer.Encode(truth);
                used.UnionWith(codes.cpu().data<long>().ToArray());
                var reconstruction = tokenizer.Decode(codes, noise);
                psnr += VqReconstructionMetrics.PsnrPerImage(truth, reconstruction).Sum();
                var decoded = ImageTensors.FromTensor(reconstruction.cpu());
                for (int i = 0; i < decoded.Length; i++) report.Add(PromptEvaluator.Evaluate(decoded[i], part[i].Prompt));
            }
            return new Result(report, psnr / scenes.Count, used.Count, tokenizer.Config.CodebookSize);
        }
        finally
        {
            if (wasTraining) tokenizer.train();
        }
    }
}
