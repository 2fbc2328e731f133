using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;
using Media.Cli.Commands.Settings;
using Media.Services.Image.Data;
using Media.Services.Image.Evaluation;
using Media.Services.Image.Generation;
using Media.Tokenizers.Image;
using Spectre.Console;
using Spectre.Console.Cli;
using static TorchSharp.torch;

namespace Media.Cli.Commands.Eval;

/// <summary>
/// <c>media eval image-dar --n 200</c>: the first n held-out prompts drawn by D-AR and by Token-Shuffle with the same seeds
/// (prompt i uses seed + i), scored by the GenEval-style evaluator in one table beside the D-AR tokenizer's round trip of the
/// true renders (the AR model's ceiling); then the preview curve — mean PSNR of the preview after group k against the final
/// image, k = 1..G, over the first 50 prompts — time to first preview against time to the final image, and layout control:
/// with the first k groups from a reference scene of one object, the share of generated objects in the reference's cell
/// (<see cref="LayoutControl"/>; k = 0 is the chance level).
/// </summary>
internal sealed class ImageDArEvalCommand : AsyncCommand<ImageDArEvalCommand.Settings>
{
    /// <summary>Groups taken from the reference in the layout-control measure (the issue's k = 1, 2, 4; 0 is the chance level).</summary>
    static readonly int[] LayoutGroups = [0, 1, 2, 4];

    internal sealed class Settings : InferenceSettings
    {
        [CommandOption("-n|--count")]
        [Description("Held-out prompts to draw")]
        [DefaultValue(200)]
        public int Count { get; init; } = 200;

        [CommandOption("--seed")]
        [Description("Seed of the first prompt (prompt i uses seed + i)")]
        [DefaultValue(0L)]
        public long Seed { get; init; }

        [CommandOption("--model")]
        [Description("D-AR model folder (GPT + tokenizer/)")]
        [DefaultValue("models/d-ar")]
        public string Model { get; init; } = Path.Combine("models", DArGenerator.ModelFolder);

        [CommandOption("--cfg")]
        [Description("D-AR guidance scale reached at the last token (linear from 1)")]
        [DefaultValue(DArGenerator.DefaultGuidance)]
        public double Cfg { get; init; } = DArGenerator.DefaultGuidance;

        [CommandOption("--top-k")]
        [DefaultValue(100)]
        public int TopK { get; init; } = 100;

        [CommandOption("--preview-n")]
        [Description("Prompts of the preview curve")]
        [DefaultValue(50)]
        public int PreviewCount { get; init; } = 50;

        [CommandOption("--layout-n")]
        [Description("Prompts of the layout-control measure (first 1, 2 and 4 groups from a reference scene; 0 skips it)")]
        [DefaultValue(50)]
        public int LayoutCount { get; init; } = 50;

        [CommandOption("--token-shuffle")]
        [Description("Token-Shuffle model folder for the comparison column ('none' skips it)")]
        [DefaultValue("models/token-shuffle")]
        public string TokenShuffle { get; init; } = "models/token-shuffle";

        [CommandOption("--batch")]
        [Description("Requests generated concurrently")]
        [DefaultValue(8)]
        public int Batch { get; init; } = 8;

        [CommandOption("--grid")]
        [Description("Write D-AR's first 16 images beside the prompts' renders as a PNG grid here")]
        public string? Grid { get; init; }

        public override ValidationResult Validate() =>
            Count < 1 || Batch < 1 || PreviewCount < 0 || LayoutCount < 0 ? ValidationResult.Error("--n and --batch must be positive, --preview-n and --layout-n not negative.") : base.Validate();
    }

    public override async Task<int> ExecuteAsync(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var device = settings.ApplyTorch();
        var samples = new CaptionedImageGenerator(64).Take(DataSplit.HeldOut, settings.Count).ToList();
        var columns = new List<(string Name, EvaluationReport Report)>();
        double[] curve;
        double psnr;
        EvaluationReport ceiling;
        var layout = new List<(int Groups, CellShare Share)>();
        using (var dar = DArGenerator.LoadFolder(settings.Model, device, settings.Batch))
        {
            // Time to first preview against the final image, one request alone (no batching), after a warm-up.
            ImageRequest RequestFor(int i) => new(samples[i].Caption)
            {
                GuidanceScale = settings.Cfg, Sampling = new() { Temperature = 1.0, TopK = settings.TopK, Seed = (ulong)(settings.Seed + i) },
            };
            await dar.GenerateAsync(RequestFor(0), null, null, cancellationToken);
            var firstPreview = new List<double>();
            var final = new List<double>();
            for (int i = 0; i < Math.Min(5, samples.Count); i++)
            {
                var watch = Stopwatch.StartNew();
                double? first = null;
                await dar.GenerateAsync(RequestFor(i), null, p =>
                {
                    if (p.Preview is not null && first is null) first = watch.Elapsed.TotalSeconds;
                    return ValueTask.CompletedTask;
                }, cancellationToken);
                final.Add(watch.Elapsed.TotalSeconds);
                firstPreview.Add(first ?? double.NaN);
            }

            var drawn = await ImageEvalColumns.DrawAsync(samples.Count, settings.Batch,
                (i, ct) => dar.GenerateWithPreviewsAsync(RequestFor(i), null, null, ct), cancellationToken);
            var images = drawn.Select(d => d.Image).ToArray();
            var previews = drawn.Select(d => d.Previews).ToArray();
            columns.Add(("d-ar", ImageEvalColumns.Score(images, samples)));

            int curveCount = Math.Min(settings.PreviewCount, samples.Count);
            curve = new double[dar.Groups];
            for (int k = 0; k < dar.Groups && curveCount > 0; k++)
            {
                using var scope = NewDisposeScope();
                var shown = ImageTensors.ToTensor(Enumerable.Range(0, curveCount).Select(i => previews[i][k]).ToList());
                var finals = ImageTensors.ToTensor(images.Take(curveCount).ToList());
                curve[k] = VqReconstructionMetrics.PsnrPerImage(finals, shown).Average();
            }

            // The tokenizer's round trip of the true renders: what the GPT could reach with perfect tokens.
            var roundTrip = DArRoundTrip.Evaluate(dar.Tokenizer, samples, settings.Seed);
            psnr = roundTrip.Psnr;
            ceiling = roundTrip.Report;
            // Layout control: prompts that leave the object's cell free, the first k groups from a one-object reference.
            var pairs = LayoutControl.Pairs(new CaptionedImageGenerator(64), settings.LayoutCount);
            var groups = LayoutGroups.Where(k => k <= dar.Groups && pairs.Count > 0).ToArray();
            // Each reference encoded once; k groups are the first k x TokensPerGroup of its tokens.
            int perGroup = dar.Tokenizer.Config.TokensPerGroup;
            var references = groups.Length == 0 ? [] : pairs.Select(p => dar.ReferenceTokens(p.Reference.Image, groups.Max())).ToArray();
            foreach (int k in groups)
            {
                var generated = await ImageEvalColumns.DrawAsync(pairs.Count, settings.Batch, (i, ct) => dar.GenerateAsync(new ImageRequest(pairs[i].Prompt.Caption)
                {
                    GuidanceScale = settings.Cfg, Sampling = new() { Temperature = 1.0, TopK = settings.TopK, Seed = (ulong)(settings.Seed + i) },
                }, k == 0 ? null : references[i][..(k * perGroup)], null, ct), cancellationToken);
                layout.Add((k, LayoutControl.Measure(generated.Select((image, i) => (image, pairs[i].Reference.Scene.Objects[0].Cell)))));
            }
            if (settings.Grid is { } gridPath) await ImageEvalColumns.WriteGridAsync(gridPath, samples, images, cancellationToken);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"time to first preview: {firstPreview.Average():0.000} s, to the final image: {final.Average():0.000} s (one request alone, mean of {final.Count})"));
        }

        if (settings.TokenShuffle != "none")
            columns.Add(("token-shuffle", await ImageEvalColumns.TokenShuffleAsync(settings.TokenShuffle, samples, device, settings.Batch, settings.Seed, cancellationToken)));
        columns.Add(("d-ar tokenizer round trip (ceiling)", ceiling));
        Console.WriteLine(ImageEvalColumns.Table(columns, samples.Count));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"tokenizer reconstruction psnr: {psnr:0.00} dB"));
        Console.WriteLine("preview psnr against the final image, after group k: "
            + string.Join(", ", curve.Select((p, k) => string.Create(CultureInfo.InvariantCulture, $"k={k + 1} {p:0.00} dB"))));
        var dArReport = columns[0].Report;
        foreach (var (criterion, name) in new[] { (Criterion.Color, "colour"), (Criterion.Shape, "shape"), (Criterion.Position, "position") })
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{name} accuracy: {dArReport.Accuracy(criterion) ?? 0:0.000}"));
        Console.WriteLine($"preview psnr rises at every group: {(PreviewCurve.RisesAtEveryGroup(curve) ? "yes" : "no")}");
        if (layout.Count > 0)
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"layout control, objects in the reference's cell ({settings.LayoutCount} prompts): ")
                + string.Join(", ", layout.Select(l => string.Create(CultureInfo.InvariantCulture,
                    $"k={l.Groups}{(l.Groups == 0 ? " (chance)" : "")} {(l.Share.Share is { } share ? share.ToString("0.000", CultureInfo.InvariantCulture) : "-")} ({l.Share.InReferenceCell}/{l.Share.Objects})"))));
        return 0;
    }
}
