using System.Globalization;
using System.Text;
using Media.Services.Image.Data;
using Media.Services.Image.Evaluation;
using Media.Services.Image.Generation;
using Media.Services.Image.Mar;
using static TorchSharp.torch;

namespace Media.Cli.Commands.Eval;

/// <summary>
/// What the image model evaluations and benchmarks (`eval image-ar`, `image-mar`, `image-dar`, `magicmix`, `bench image-disa`)
/// share: drawing the held-out prompts (concurrently through a generator, or in batches through MAR's sampler), scoring them,
/// the Token-Shuffle baseline column, the per-attribute table and the grid of pairs.
/// </summary>
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
        var images = await DrawAsync(samples.Count, batch, (i, ct) => shuffle.GenerateAsync(TokenRequest(samples[i].Caption, seed + i), null, ct), cancellationToken);
        return Score(images, samples);
    }

    /// <summary>The token models' evaluation sampling: temperature 1, top-k 100, the prompt's own <paramref name="seed"/>.</summary>
    public static ImageRequest TokenRequest(string caption, long seed) =>
        new(caption) { Sampling = new() { Temperature = 1.0, TopK = 100, Seed = (ulong)seed } };

    /// <summary>Runs <paramref name="draw"/> for prompts 0..<paramref name="count"/>-1, at most <paramref name="concurrent"/> at once (the generator batches them); results in prompt order.</summary>
    public static async Task<T[]> DrawAsync<T>(int count, int concurrent, Func<int, CancellationToken, Task<T>> draw, CancellationToken cancellationToken)
    {
        var results = new T[count];
        using var gate = new SemaphoreSlim(concurrent);
        await Task.WhenAll(Enumerable.Range(0, count).Select(async i =>
        {
            await gate.WaitAsync(cancellationToken);
            try { results[i] = await draw(i, cancellationToken); }
            finally { gate.Release(); }
        }));
        return results;
    }

    /// <summary>
    /// Draws the prompts with MAR's sampler on the caller's thread, <paramref name="batch"/> at a time; <paramref name="options"/> gives
    /// prompt i's sampling, <paramref name="drawn"/> sees each batch's images with their prompt offset and sampling states (disposed after).
    /// </summary>
    public static void DrawMar(MarSampler sampler, IReadOnlyList<CaptionedImage> samples, int batch, Func<int, CaptionedImage, MarSamplingOptions> options,
        Action<int, RgbImage[], IReadOnlyList<MarImageState>> drawn, CancellationToken cancellationToken)
    {
        for (int start = 0; start < samples.Count; start += batch)
        {
            var chunk = samples.Skip(start).Take(batch).Select((s, j) => options(start + j, s)).ToList();
            var (images, states) = sampler.Generate(chunk, cancellationToken);
            RgbImage[] decoded;
            using (images) decoded = ImageTensors.FromTensor(images.cpu());
            try { drawn(start, decoded, states); }
            finally { foreach (var state in states) state.Dispose(); }
        }
    }

    /// <summary>Each drawn image scored against its prompt.</summary>
    public static EvaluationReport Score(IReadOnlyList<RgbImage> images, IReadOnlyList<CaptionedImage> samples)
    {
        var report = new EvaluationReport();
        for (int i = 0; i < samples.Count; i++) report.Add(PromptEvaluator.Evaluate(images[i], samples[i].Prompt));
        return report;
    }

    /// <summary>A markdown table: one row per criterion and overall, one column per model.</summary>
    public static string Table(IReadOnlyList<(string Name, EvaluationReport Report)> columns, int prompts) =>
        Table(columns, $"accuracy ({prompts} held-out prompts)", []);

    /// <summary>The same table under its own header, after rows of other figures (e.g. a tokenizer's PSNR), one cell per column.</summary>
    public static string Table(IReadOnlyList<(string Name, EvaluationReport Report)> columns, string header, IReadOnlyList<(string Name, IReadOnlyList<string> Cells)> leadingRows)
    {
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"| {header} | {string.Join(" | ", columns.Select(c => c.Name))} |");
        text.AppendLine(CultureInfo.InvariantCulture, $"| --- |{string.Concat(columns.Select(_ => " --- |"))}");
        foreach (var (name, cells) in leadingRows) text.AppendLine(CultureInfo.InvariantCulture, $"| {name} | {string.Join(" | ", cells)} |");
        foreach (var criterion in Enum.GetValues<Criterion>())
        {
            if (columns.All(c => c.Report.Accuracy(criterion) is null)) continue;
            string name = criterion == Criterion.Color ? "colour" : criterion.ToString().ToLowerInvariant();
            text.AppendLine(CultureInfo.InvariantCulture, $"| {name} | {string.Join(" | ", columns.Select(c => c.Report.Accuracy(criterion) is { } a ? a.ToString("0.000", CultureInfo.InvariantCulture) : "-"))} |");
        }
        text.Append(CultureInfo.InvariantCulture, $"| overall | {string.Join(" | ", columns.Select(c => c.Report.Overall.ToString("0.000", CultureInfo.InvariantCulture)))} |");
        return text.ToString();
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
