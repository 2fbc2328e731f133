using System.ComponentModel;
using System.Globalization;
using System.Text;
using Media.Cli.Commands.Settings;
using Media.Services.Image.Data;
using Media.Services.Image.Evaluation;
using Media.Services.Image.LatentDiffusion;
using Media.Services.Image.MagicMix;
using Spectre.Console;
using Spectre.Console.Cli;
using TorchSharp;
using static TorchSharp.torch;

namespace Media.Cli.Commands.Eval;

/// <summary>
/// <c>media eval magicmix --n 100</c>: MagicMix on n (layout, content) pairs (<see cref="MixPair.Draw"/>) at ν 0.3, 0.5 and
/// 0.7 in both modes — layout preservation as the IoU of the foreground masks of the layout and the result, content
/// adherence as the evaluator's colour and shape accuracy for the content prompt — then the base model's own plain
/// text-to-image table on held-out prompts. Ends with the headline lines.
/// </summary>
internal sealed class MagicMixEvalCommand : Command<MagicMixEvalCommand.Settings>
{
    internal sealed class Settings : InferenceSettings
    {
        [CommandOption("--model")]
        [Description("Latent DiT model folder")]
        [DefaultValue("models/magicmix")]
        public string Model { get; init; } = Path.Combine("models", LdmPipeline.ModelFolder);

        [CommandOption("--vae")]
        [Description("KL autoencoder folder the model was trained on")]
        [DefaultValue("models/image-vae")]
        public string Vae { get; init; } = Path.Combine("models", LdmPipeline.VaeFolder);

        [CommandOption("-n|--count")]
        [Description("(layout, content) pairs")]
        [DefaultValue(100)]
        public int Count { get; init; } = 100;

        [CommandOption("--nu")]
        [Description("Comma-separated mixing constants")]
        [DefaultValue("0.3,0.5,0.7")]
        public string Nu { get; init; } = "0.3,0.5,0.7";

        [CommandOption("--steps")]
        [Description("DDIM steps T of a mix")]
        [DefaultValue(50)]
        public int Steps { get; init; } = 50;

        [CommandOption("--guidance")]
        [Description("Classifier-free guidance scale")]
        [DefaultValue(3.0)]
        public double Guidance { get; init; } = 3.0;

        [CommandOption("--modes")]
        [Description("image, text or both")]
        [DefaultValue("both")]
        public string Modes { get; init; } = "both";

        [CommandOption("--t2i")]
        [Description("Held-out prompts for the plain text-to-image table (0 skips it)")]
        [DefaultValue(100)]
        public int TextToImage { get; init; } = 100;

        [CommandOption("--batch")]
        [Description("Pairs mixed together")]
        [DefaultValue(25)]
        public int Batch { get; init; } = 25;

        [CommandOption("--seed")]
        [DefaultValue(0L)]
        public long Seed { get; init; }

        [CommandOption("--grid")]
        [Description("Write the first 8 pairs as rows layout | content | one column per ν (image-text mode) to this PNG")]
        public string? Grid { get; init; }

        [CommandOption("--t2i-grid")]
        [Description("Write the first 16 plain text-to-image samples beside their prompts' renders to this PNG")]
        public string? TextToImageGrid { get; init; }

        public double[] NuValues => [.. Nu.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(v => double.Parse(v, CultureInfo.InvariantCulture))];

        public override ValidationResult Validate()
        {
            if (Count < 1 || Batch < 1 || TextToImage < 0) return ValidationResult.Error("--n and --batch must be positive, --t2i not negative.");
            if (Modes is not ("image" or "text" or "both")) return ValidationResult.Error("--modes must be image, text or both.");
            try
            {
                foreach (var nu in NuValues) new MagicMixOptions { Nu = nu, Steps = Steps, GuidanceScale = Guidance }.Validate();
            }
            catch (Exception e) when (e is FormatException or ArgumentException) { return ValidationResult.Error(e.Message); }
            return base.Validate();
        }
    }

    /// <summary>Scores of one (mode, ν) cell.</summary>
    sealed class Cell
    {
        public double Iou, Color, Shape, Content;
        public int Count;
        public void Add(double iou, SampleEvaluation content)
        {
            bool color = content.Checks.GetValueOrDefault(Criterion.Color), shape = content.Checks.GetValueOrDefault(Criterion.Shape);
            Iou += iou; Color += color ? 1 : 0; Shape += shape ? 1 : 0; Content += color && shape ? 1 : 0; Count++;
        }
        public double Mean(double sum) => Count == 0 ? 0 : sum / Count;
    }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var device = settings.ApplyTorch();
        using var pipeline = LdmPipeline.Load(settings.Model, settings.Vae, device);
        var pairs = MixPair.Draw(settings.Count, pipeline.ImageSize);
        var nus = settings.NuValues;
        var modes = settings.Modes == "both" ? new[] { "image", "text" } : [settings.Modes];
        var cells = modes.ToDictionary(m => m, _ => nus.Select(_ => new Cell()).ToArray());
        var gridRows = new List<List<RgbImage>>();
        var started = DateTime.UtcNow;
        var cpuStarted = System.Diagnostics.Process.GetCurrentProcess().TotalProcessorTime;
        using (no_grad())
        {
            for (int start = 0; start < pairs.Count; start += settings.Batch)
            {
                cancellationToken.ThrowIfCancellationRequested();
                using var scope = NewDisposeScope();
                var chunk = pairs.Skip(start).Take(settings.Batch).ToList();
                var contents = chunk.Select(p => p.ContentCaption).ToList();
                var layouts = chunk.Select(p => p.Layout.Caption).ToList();
                using var generator = new Generator((ulong)(settings.Seed + start), CPU);
                var noise = pipeline.NewNoise(chunk.Count, generator);
                var layoutLatent = pipeline.EncodeImages(chunk.Select(p => p.Layout.Image).ToList());
                // The references: the layout image itself (image-text) and the layout prompt drawn from the same x_T (text-text).
                var imageMasks = chunk.Select(p => ImageAnalyzer.ForegroundMask(p.Layout.Image)).ToList();
                var textLayouts = modes.Contains("text") ? pipeline.DecodeImages(pipeline.GenerateLatents(layouts, settings.Guidance, settings.Steps, noise)) : null;
                var textMasks = textLayouts?.Select(ImageAnalyzer.ForegroundMask).ToList();
                RgbImage[]? contentImages = start == 0 && settings.Grid is not null
                    ? pipeline.DecodeImages(pipeline.GenerateLatents(contents, settings.Guidance, settings.Steps, noise)) : null;
                var rows = start == 0 ? chunk.Take(8).Select((p, i) => new List<RgbImage> { p.Layout.Image, contentImages?[i] ?? p.Layout.Image }).ToList() : null;
                for (int v = 0; v < nus.Length; v++)
                {
                    var sampler = new MagicMixSampler(pipeline.Diffusion, new MagicMixOptions { Nu = nus[v], Steps = settings.Steps, GuidanceScale = settings.Guidance });
                    foreach (var mode in modes)
                    {
                        using var inner = NewDisposeScope();
                        var denoise = pipeline.Denoiser(contents, mode == "text" ? layouts : null, settings.Guidance);
                        var mixed = mode == "image"
                            ? sampler.MixImage(denoise, layoutLatent, noise, cancellationToken: cancellationToken)
                            : sampler.MixText(denoise, noise, cancellationToken: cancellationToken);
                        var images = pipeline.DecodeImages(mixed);
                        var masks = mode == "image" ? imageMasks : textMasks!;
                        for (int i = 0; i < images.Length; i++)
                            cells[mode][v].Add(ImageAnalyzer.MaskIou(masks[i], ImageAnalyzer.ForegroundMask(images[i])), PromptEvaluator.Evaluate(images[i], chunk[i].Content));
                        if (rows is not null && mode == "image")
                            for (int i = 0; i < rows.Count; i++) rows[i].Add(images[i]);
                    }
                }
                if (rows is not null) gridRows.AddRange(rows);
                AnsiConsole.MarkupLine($"mixed {Math.Min(start + settings.Batch, pairs.Count)}/{pairs.Count} pairs");
            }
        }
        double wall = (DateTime.UtcNow - started).TotalSeconds, cpu = (System.Diagnostics.Process.GetCurrentProcess().TotalProcessorTime - cpuStarted).TotalSeconds;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"magicmix: {pairs.Count} pairs, T = {settings.Steps} DDIM steps, k_min 0.3, k_max 0.6, guidance {settings.Guidance}; {wall:0} s wall, {cpu:0} s CPU"));
        Console.WriteLine(Table(modes, nus, cells, pairs.Count));
        if (settings.Grid is { } gridPath && gridRows.Count > 0)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(gridPath))!);
            File.WriteAllBytes(gridPath, ImageGrid.Rows(gridRows).EncodePng());
        }

        if (settings.TextToImage > 0)
        {
            var samples = new CaptionedImageGenerator(pipeline.ImageSize).Take(DataSplit.HeldOut, settings.TextToImage).ToList();
            var report = new EvaluationReport();
            var drawn = new List<RgbImage>();
            for (int start = 0; start < samples.Count; start += settings.Batch)
            {
                using var scope = NewDisposeScope();
                var chunk = samples.Skip(start).Take(settings.Batch).ToList();
                using var generator = new Generator((ulong)(settings.Seed + 1_000_000 + start), CPU);
                var images = pipeline.Generate(chunk.Select(s => s.Caption).ToList(), settings.Guidance, settings.Steps, generator);
                for (int i = 0; i < images.Length; i++) report.Add(PromptEvaluator.Evaluate(images[i], chunk[i].Prompt));
                drawn.AddRange(images);
            }
            Console.WriteLine($"plain text-to-image, {settings.Steps} DDIM steps, guidance {settings.Guidance.ToString(CultureInfo.InvariantCulture)}:");
            Console.WriteLine(ImageEvalColumns.Table([("magicmix base (latent DiT)", report)], samples.Count));
            if (settings.TextToImageGrid is { } t2iPath)
            {
                int shown = Math.Min(16, samples.Count);
                Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(t2iPath))!);
                File.WriteAllBytes(t2iPath, ImageGrid.Pairs(samples.Take(shown).Select(s => s.Image).ToList(), drawn.Take(shown).ToList()).EncodePng());
            }
        }

        string headMode = modes.Contains("image") ? "image" : modes[0];
        int half = Array.FindIndex(nus, v => Math.Abs(v - 0.5) < 1e-9);
        if (half >= 0)
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"layout iou at nu 0.5: {cells[headMode][half].Mean(cells[headMode][half].Iou):0.000}"));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"content accuracy at nu 0.5: {cells[headMode][half].Mean(cells[headMode][half].Content):0.000}"));
        }
        Console.WriteLine($"nu trade-off holds: {(TradeOffHolds(cells[headMode]) ? "yes" : "no")}");
        return 0;
    }

    /// <summary>Larger ν keeps less layout and paints more content: IoU never rises and content accuracy never falls, and one of them moves.</summary>
    static bool TradeOffHolds(Cell[] byNu)
    {
        const double tolerance = 1e-9;
        bool moved = false;
        for (int i = 1; i < byNu.Length; i++)
        {
            double iou0 = byNu[i - 1].Mean(byNu[i - 1].Iou), iou1 = byNu[i].Mean(byNu[i].Iou);
            double c0 = byNu[i - 1].Mean(byNu[i - 1].Content), c1 = byNu[i].Mean(byNu[i].Content);
            if (iou1 > iou0 + tolerance || c1 < c0 - tolerance) return false;
            moved |= iou1 < iou0 - tolerance || c1 > c0 + tolerance;
        }
        return moved;
    }

    static string Table(string[] modes, double[] nus, Dictionary<string, Cell[]> cells, int pairs)
    {
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"| mode ({pairs} pairs) | nu | layout iou | content colour | content shape | content accuracy |");
        text.AppendLine("| --- | --- | --- | --- | --- | --- |");
        foreach (var mode in modes)
            for (int v = 0; v < nus.Length; v++)
            {
                var c = cells[mode][v];
                text.AppendLine(string.Create(CultureInfo.InvariantCulture,
                    $"| {(mode == "image" ? "image-text" : "text-text")} | {nus[v]:0.0} | {c.Mean(c.Iou):0.000} | {c.Mean(c.Color):0.000} | {c.Mean(c.Shape):0.000} | {c.Mean(c.Content):0.000} |"));
            }
        return text.ToString().TrimEnd();
    }
}
