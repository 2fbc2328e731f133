using Media.Services.Image.Data;
using Media.Services.Image.Evaluation;
using Media.Services.Image.Generation;
using static TorchSharp.torch;

namespace Media.Cli.Commands.Eval;

/// <summary>What the image model evaluations (`eval image-mar`, `eval image-dar`) share: the Token-Shuffle baseline column and the grid of pairs.</summary>
internal static class ImageEvalColumns
{
    /// <summary>
    /// The Token-Shuffle baseline: every held-out prompt drawn by the model folder <paramref name="modelDirectory"/> (with its own
    /// or the shared VQ tokenizer), prompt i with seed + i, temperature 1 and top-k 100, up to <paramref name="batch"/> at once, then scored.
    /// </summary>
    public static async Task<EvaluationReport> TokenShuffleAsync(string modelDirectory, IReadOnlyList<CaptionedImage> samples, Device device, int batch, long seed,
        CancellationToken cancellationToken)
    {
        using var shuffle = TokenShuffleGenerator.Load(modelDirectory,
            TokenShuffleGenerator.VqDirectoryFor(modelDirectory, Path.Combine("models", TokenShuffleGenerator.VqFolder)), device, batch);
        var images = new RgbImage[samples.Count];
        using var gate = new SemaphoreSlim(batch);
        await Task.WhenAll(samples.Select(async (sample, i) =>
        {
            await gate.WaitAsync(cancellationToken);
            try
            {
                var request = new ImageRequest(sample.Caption) { Sampling = new() { Temperature = 1.0, TopK = 100, Seed = (ulong)(seed + i) } };
                images[i] = await shuffle.GenerateAsync(request, null, cancellationToken);
            }
            finally { gate.Release(); }
        }));
        var report = new EvaluationReport();
        for (int i = 0; i < samples.Count; i++) report.Add(PromptEvaluator.Evaluate(images[i], samples[i].Prompt));
        return report;
    }

    /// <summary>Writes the first 16 pairs (true render beside the drawn image) as a PNG grid at <paramref name="path"/>.</summary>
    public static async Task WriteGridAsync(string path, IReadOnlyList<CaptionedImage> samples, IReadOnlyList<RgbImage> images, CancellationToken cancellationToken)
    {
        int shown = Math.Min(16, samples.Count);
        var grid = ImageGrid.Pairs(samples.Take(shown).Select(s => s.Image).ToList(), images.Take(shown).ToList());
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        await File.WriteAllBytesAsync(path, grid.EncodePng(), cancellationToken);
    }
}
