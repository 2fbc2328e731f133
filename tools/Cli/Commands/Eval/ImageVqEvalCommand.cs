using System.ComponentModel;
using System.Globalization;
using Media.Cli.Commands.Settings;
using Media.Hosting;
using Media.Modeling.Checkpoints;
using Media.Modeling.Training;
using Media.Services.Image.Data;
using Media.Services.Image.Evaluation;
using Media.Services.Image.Training;
using Media.Tokenizers.Image;
using Spectre.Console;
using Spectre.Console.Cli;
using TorchSharp;
using static TorchSharp.torch;

namespace Media.Cli.Commands.Eval;

/// <summary>
/// `media eval image-vq`: reconstruction PSNR, codebook usage and perplexity of a VQ tokenizer on
/// held-out procedural scenes; optionally a PNG grid of originals above their reconstructions.
/// </summary>
internal sealed class ImageVqEvalCommand : Command<ImageVqEvalCommand.Settings>
{
    internal sealed class Settings : TorchSettings
    {
        [CommandOption("--model")]
        [Description("Model folder (config.json + model.safetensors); default: image-vq in the models folder")]
        public string? Model { get; init; }

        [CommandOption("--llamagen")]
        [Description("Instead of --model: a LlamaGen VQ_16 checkpoint (vq_ds16_c2i.pt or .safetensors)")]
        public string? LlamaGen { get; init; }

        [CommandOption("--run")]
        [Description("Instead of --model: the newest checkpoint of a `media train image-vq` run folder")]
        public string? Run { get; init; }

        [CommandOption("--compare")]
        [Description("Another VQ model folder measured on the same images, printed side by side (e.g. the committed one against a retrained one)")]
        public string? Compare { get; init; }

        [CommandOption("-n|--count")]
        [Description("Held-out images")]
        [DefaultValue(200)]
        public int Count { get; init; } = 200;

        [CommandOption("--size")]
        [Description("Image side in pixels")]
        [DefaultValue(64)]
        public int Size { get; init; } = 64;

        [CommandOption("--data-seed")]
        [Description("Seed of the procedural image generator")]
        [DefaultValue(0)]
        public int DataSeed { get; init; }

        [CommandOption("--batch")]
        [Description("Images per forward pass")]
        [DefaultValue(50)]
        public int Batch { get; init; } = 50;

        [CommandOption("--grid")]
        [Description("Write a PNG of originals (upper row of each pair) and reconstructions (lower row)")]
        public string? Grid { get; init; }

        [CommandOption("--grid-images")]
        [Description("Images in the grid, 8 per row pair")]
        [DefaultValue(16)]
        public int GridImages { get; init; } = 16;

        [CommandOption("--threads")]
        [Description("Intra-op CPU threads")]
        [DefaultValue(1)]
        public override int Threads { get; init; } = 1;

        public override ValidationResult Validate()
        {
            if (Count <= 0 || Batch <= 0 || Threads <= 0) return ValidationResult.Error("--n, --batch and --threads must be positive.");
            if (GridImages <= 0) return ValidationResult.Error("--grid-images must be positive.");
            if (new[] { Model, LlamaGen, Run }.Count(s => s is not null) > 1) return ValidationResult.Error("Give one of --model, --llamagen and --run.");
            return base.Validate();
        }
    }

    const int GridColumns = 8;
    const int GridScale = 2;
    const int GridGap = 4;

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var device = settings.ApplyTorch();
        string source = settings.LlamaGen ?? settings.Run ?? settings.Model ?? Path.Combine(new MediaOptions().ResolveModelsDirectory(), "image-vq");
        using var model = settings.LlamaGen is { } path ? LlamaGenVqCheckpoint.Load(path, device: device)
            : settings.Run is { } run ? LoadRun(run, device)
            : VqModelFolder.Load(source, device);

        // The held-out scenes rendered once: their images for the metrics, their prompts and renders for the evaluator.
        var scenes = new CaptionedImageGenerator(settings.Size, (ulong)settings.DataSeed).Take(DataSplit.HeldOut, settings.Count).ToList();
        var (attributes, strays, metrics) = VqRoundTrip.Evaluate(model, scenes, settings.Batch);
        long side = settings.Size / model.Config.DownsampleFactor;

        AnsiConsole.MarkupLine($"model: {Markup.Escape(source)} ({side}x{side} = {side * side} tokens per image, {model.Config.CodebookSize} codes)");
        AnsiConsole.WriteLine(string.Create(CultureInfo.InvariantCulture, $"images: {metrics.Images} held-out {settings.Size}x{settings.Size} (data seed {settings.DataSeed})"));
        AnsiConsole.WriteLine(string.Create(CultureInfo.InvariantCulture, $"psnr: {metrics.Psnr:0.00}"));
        AnsiConsole.WriteLine(string.Create(CultureInfo.InvariantCulture, $"codebook usage: {metrics.CodebookUsage:0.000} ({metrics.CodesUsed} of {model.Config.CodebookSize})"));
        AnsiConsole.WriteLine(string.Create(CultureInfo.InvariantCulture, $"perplexity: {metrics.Perplexity:0.0}"));
        AnsiConsole.WriteLine("prompt attributes found in the reconstructions (the ceiling of an AR model on these codes):");
        AnsiConsole.WriteLine(attributes.ToString());
        AnsiConsole.WriteLine(string.Create(CultureInfo.InvariantCulture, $"reconstruction shape accuracy: {attributes.Accuracy(Criterion.Shape) ?? 0:0.000}"));
        AnsiConsole.WriteLine(string.Create(CultureInfo.InvariantCulture, $"stray pixels per image: {strays.PerImage:0.00}"));
        AnsiConsole.WriteLine(StrayShares(strays));
        if (settings.Compare is { } other)
        {
            using var compared = VqModelFolder.Load(other, device);
            var (otherAttributes, otherStrays, otherMetrics) = VqRoundTrip.Evaluate(compared, scenes, settings.Batch);
            AnsiConsole.WriteLine();
            AnsiConsole.WriteLine($"| {metrics.Images} held-out images | {other} | {source} |");
            AnsiConsole.WriteLine("| --- | --- | --- |");
            AnsiConsole.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| psnr (dB) | {otherMetrics.Psnr:0.00} | {metrics.Psnr:0.00} |"));
            AnsiConsole.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| codebook usage | {otherMetrics.CodebookUsage:0.000} | {metrics.CodebookUsage:0.000} |"));
            AnsiConsole.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| perplexity | {otherMetrics.Perplexity:0.0} | {metrics.Perplexity:0.0} |"));
            foreach (var criterion in Enum.GetValues<Criterion>())
                AnsiConsole.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"| {criterion.ToString().ToLowerInvariant()} accuracy (n={attributes.Asked(criterion)}) | {otherAttributes.Accuracy(criterion) ?? 0:0.000} | {attributes.Accuracy(criterion) ?? 0:0.000} |"));
            AnsiConsole.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| overall | {otherAttributes.Overall:0.000} | {attributes.Overall:0.000} |"));
            AnsiConsole.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| stray pixels per image (above right of objects) | {otherStrays.PerImage:0.00} ({otherStrays.Shares().AboveRight:0%}) | {strays.PerImage:0.00} ({strays.Shares().AboveRight:0%}) |"));
        }

        if (settings.Grid is { } gridPath)
        {
            using var scope = NewDisposeScope();
            int count = Math.Min(settings.GridImages, settings.Count);
            var originals = ImageTensors.ToTensor([.. scenes.Take(count).Select(s => s.Image)]);
            Tensor reconstructions;
            using (no_grad()) reconstructions = model.Decode(model.Encode(originals.to(device)));
            var grid = Grid(ImageTensors.FromTensor(originals), ImageTensors.FromTensor(reconstructions));
            if (Path.GetDirectoryName(Path.GetFullPath(gridPath)) is { } folder) Directory.CreateDirectory(folder);
            File.WriteAllBytes(gridPath, grid.EncodePng());
            AnsiConsole.MarkupLine($"grid: {Markup.Escape(gridPath)}");
        }
        return 0;
    }

    static string StrayShares(StrayPixels strays)
    {
        var (aboveRight, aboveLeft, belowLeft, belowRight) = strays.Shares();
        return string.Create(CultureInfo.InvariantCulture,
            $"stray pixels around objects: above right {aboveRight:0%}, above left {aboveLeft:0%}, below left {belowLeft:0%}, below right {belowRight:0%} (pixels painted over background, more than {StrayPixels.Reach} px from the original's objects)");
    }

    // A run folder holds the architecture (config.json) and training checkpoints whose weights are the "model." entries.
    static VqModel LoadRun(string run, Device device)
    {
        var config = VqModelFolder.ReadConfig(Path.Combine(run, VqModelFolder.ConfigFile));
        var checkpoints = TrainingCheckpoint.List(run);
        if (checkpoints.Count == 0) throw new FileNotFoundException($"{run} has no training checkpoints yet.");
        var model = new VqModel(config);
        model.to(device);
        // A run with a discriminator keeps the tokenizer under model.vq.
        bool paired;
        using (var file = SafetensorsFile.Open(checkpoints[^1].Path))
            paired = file.Keys.Any(k => k.StartsWith("model.vq.", StringComparison.Ordinal));
        TrainingCheckpoint.LoadWeights(checkpoints[^1].Path, model, paired ? "vq." : "");
        AnsiConsole.MarkupLine($"checkpoint: {Markup.Escape(checkpoints[^1].Path)}");
        model.eval();
        return model;
    }

    // Row pairs of up to 8 images: originals above, reconstructions below, scaled up for viewing, on white.
    static RgbImage Grid(RgbImage[] originals, RgbImage[] reconstructions)
    {
        int w = originals[0].Width * GridScale, h = originals[0].Height * GridScale;
        int columns = Math.Min(GridColumns, originals.Length), pairs = (originals.Length + GridColumns - 1) / GridColumns;
        var grid = RgbImage.Filled(GridGap + columns * (w + GridGap), GridGap + pairs * (2 * h + 2 * GridGap), 255, 255, 255);
        for (int i = 0; i < originals.Length; i++)
        {
            int x0 = GridGap + i % GridColumns * (w + GridGap), y0 = GridGap + i / GridColumns * (2 * h + 2 * GridGap);
            Blit(originals[i], grid, x0, y0);
            Blit(reconstructions[i], grid, x0, y0 + h);
        }
        return grid;
    }

    static void Blit(RgbImage image, RgbImage into, int x0, int y0)
    {
        for (int y = 0; y < image.Height * GridScale; y++)
            for (int x = 0; x < image.Width * GridScale; x++)
                into[x0 + x, y0 + y] = image[x / GridScale, y / GridScale];
    }
}
