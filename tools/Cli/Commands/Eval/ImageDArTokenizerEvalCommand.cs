using System.ComponentModel;
using System.Globalization;
using Media.Cli.Commands.Settings;
using Media.Hosting;
using Media.Modeling.Training;
using Media.Services.Image.Data;
using Media.Services.Image.Evaluation;
using Media.Services.Image.Generation;
using Media.Tokenizers.Image;
using Media.Tokenizers.Image.DAr;
using Spectre.Console;
using Spectre.Console.Cli;
using TorchSharp;
using static TorchSharp.torch;

namespace Media.Cli.Commands.Eval;

/// <summary>
/// <c>media eval image-dar-tokenizer --tokenizer A [--tokenizer B ...]</c>: D-AR tokenizers side by side on the same held-out
/// scenes and noise (<see cref="DArRoundTrip"/>): reconstruction PSNR, codes used, and the evaluator's attribute accuracy on
/// the reconstructions (a GPT's ceiling on those codes), beside <c>image-vq</c>'s round trip (Token-Shuffle's ceiling). A
/// tokenizer is a tokenizer folder, a D-AR model folder (its <c>tokenizer/</c>) or a training run folder (its newest checkpoint).
/// </summary>
internal sealed class ImageDArTokenizerEvalCommand : Command<ImageDArTokenizerEvalCommand.Settings>
{
    internal sealed class Settings : InferenceSettings
    {
        [CommandOption("--tokenizer")]
        [Description("Tokenizer, D-AR model or training run folder; repeat to compare")]
        public string[] Tokenizers { get; init; } = [];

        [CommandOption("-n|--count")]
        [Description("Held-out scenes")]
        [DefaultValue(200)]
        public int Count { get; init; } = 200;

        [CommandOption("--seed")]
        [Description("Seed of the decoders' noise (the batch from scene s draws with seed + s)")]
        [DefaultValue(0L)]
        public long Seed { get; init; }

        [CommandOption("--image-vq")]
        [Description("VQ tokenizer folder for the comparison column ('none' skips it; default: models/image-vq)")]
        public string? ImageVq { get; init; }

        public override ValidationResult Validate()
        {
            if (Tokenizers.Length == 0) return ValidationResult.Error("Give at least one --tokenizer.");
            if (Count < 1) return ValidationResult.Error("--n must be positive.");
            return base.Validate();
        }
    }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var device = settings.ApplyTorch();
        var scenes = new CaptionedImageGenerator(64).Take(DataSplit.HeldOut, settings.Count).ToList();
        var columns = new List<(string Name, EvaluationReport Report, string Psnr, string Codes)>();
        foreach (string source in settings.Tokenizers)
        {
            using var tokenizer = Load(source, device);
            var result = DArRoundTrip.Evaluate(tokenizer, scenes, settings.Seed);
            columns.Add((source, result.Report, result.Psnr.ToString("0.00", CultureInfo.InvariantCulture), $"{result.CodesUsed} of {result.CodebookSize}"));
        }
        string vq = settings.ImageVq ?? Path.Combine(new MediaOptions().ResolveModelsDirectory(), "image-vq");
        if (vq != "none")
        {
            using var model = VqModelFolder.Load(vq, device);
            var (report, _, metrics) = VqRoundTrip.Evaluate(model, scenes, 50);
            columns.Add(($"image-vq ({vq})", report, metrics.Psnr.ToString("0.00", CultureInfo.InvariantCulture), $"{metrics.CodesUsed} of {model.Config.CodebookSize}"));
        }

        Console.WriteLine(ImageEvalColumns.Table([.. columns.Select(c => (c.Name, c.Report))], $"{settings.Count} held-out scenes, round trip",
            [("psnr (dB)", [.. columns.Select(c => c.Psnr)]), ("codes used", [.. columns.Select(c => c.Codes)])]));
        var first = columns[0];
        Console.WriteLine($"reconstruction psnr: {first.Psnr}");
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"reconstruction shape accuracy: {first.Report.Accuracy(Criterion.Shape) ?? 0:0.000}"));
        return 0;
    }

    /// <summary>A tokenizer folder, a D-AR model folder's tokenizer, or a run folder's newest checkpoint.</summary>
    static DArTokenizer Load(string source, Device device)
    {
        string bundled = Path.Combine(source, DArGenerator.TokenizerFolder);
        if (DArTokenizerFolder.Exists(bundled)) return DArTokenizerFolder.Load(bundled, device);
        if (DArTokenizerFolder.Exists(source)) return DArTokenizerFolder.Load(source, device);
        var checkpoints = TrainingCheckpoint.List(source);
        if (checkpoints.Count == 0) throw new FileNotFoundException($"{source} is neither a D-AR tokenizer or model folder nor a training run with checkpoints.");
        var model = new DArTokenizer(DArTokenizerFolder.ReadConfig(Path.Combine(source, DArTokenizerFolder.ConfigFile)));
        model.to(device);
        TrainingCheckpoint.LoadWeights(checkpoints[^1].Path, model);
        Console.WriteLine($"{source}: checkpoint {checkpoints[^1].Path}");
        return model;
    }
}
