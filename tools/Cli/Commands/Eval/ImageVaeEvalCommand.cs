using System.ComponentModel;
using System.Globalization;
using Media.Cli.Commands.Settings;
using Media.Services.Image.Data;
using Media.Services.Image.Evaluation;
using Media.Services.Image.Training;
using Media.Tokenizers.Image.Kl;
using Spectre.Console;
using Spectre.Console.Cli;
using static TorchSharp.torch;

namespace Media.Cli.Commands.Eval;

/// <summary>
/// `media eval image-vae`: reconstruction PSNR of the KL autoencoder on held-out scenes and the scene
/// evaluator's attribute accuracy on the reconstructions (the ceiling of a generator on these latents).
/// </summary>
internal sealed class ImageVaeEvalCommand : Command<ImageVaeEvalCommand.Settings>
{
    internal sealed class Settings : TorchSettings
    {
        [CommandOption("--model")]
        [Description("KL autoencoder folder")]
        [DefaultValue("models/image-vae")]
        public string Model { get; init; } = "models/image-vae";

        [CommandOption("-n|--count")]
        [Description("Held-out images")]
        [DefaultValue(200)]
        public int Count { get; init; } = 200;

        [CommandOption("--batch")]
        [DefaultValue(50)]
        public int Batch { get; init; } = 50;

        [CommandOption("--grid")]
        [Description("Write the first 16 originals beside their reconstructions as a PNG here")]
        public string? Grid { get; init; }

        [CommandOption("--threads")]
        [DefaultValue(1)]
        public override int Threads { get; init; } = 1;

        public override ValidationResult Validate() =>
            Count <= 0 || Batch <= 0 ? ValidationResult.Error("--n and --batch must be positive.") : base.Validate();
    }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var device = settings.ApplyTorch();
        using var model = KlModelFolder.Load(settings.Model, device);
        var samples = new CaptionedImageGenerator(64).Take(DataSplit.HeldOut, settings.Count).ToList();
        using var images = ImageTensors.ToTensor(samples.Select(s => s.Image).ToList());
        var metrics = KlReconstructionMetrics.Measure(model, images, settings.Batch);
        var report = new EvaluationReport();
        var reconstructions = new List<RgbImage>();
        for (int start = 0; start < samples.Count; start += settings.Batch)
        {
            using var scope = NewDisposeScope();
            int count = Math.Min(settings.Batch, samples.Count - start);
            var batch = images.slice(0, start, start + count, 1).to(device);
            var decoded = ImageTensors.FromTensor(model.DecodeScaled(model.EncodeScaled(batch, sample: false)).cpu());
            for (int i = 0; i < count; i++) report.Add(PromptEvaluator.Evaluate(decoded[i], samples[start + i].Prompt));
            reconstructions.AddRange(decoded);
        }
        AnsiConsole.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"model: {settings.Model} ({model.Config.EmbedDim} x {64 / model.Config.DownsampleFactor} x {64 / model.Config.DownsampleFactor} latents, scale factor {model.Config.ScaleFactor})"));
        AnsiConsole.WriteLine(string.Create(CultureInfo.InvariantCulture, $"psnr: {metrics.Psnr:0.00} ({metrics.Images} held-out images, posterior means)"));
        AnsiConsole.WriteLine(string.Create(CultureInfo.InvariantCulture, $"latent std: {metrics.LatentStd:0.0000} (scaled: {metrics.LatentStd * model.Config.ScaleFactor:0.000})"));
        AnsiConsole.WriteLine("prompt attributes found in the reconstructions (the ceiling of a generator on these latents):");
        AnsiConsole.WriteLine(report.ToString());
        if (settings.Grid is { } gridPath)
        {
            int shown = Math.Min(16, samples.Count);
            var grid = ImageGrid.Pairs(samples.Take(shown).Select(s => s.Image).ToList(), reconstructions.Take(shown).ToList());
            Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(gridPath))!);
            File.WriteAllBytes(gridPath, grid.EncodePng());
        }
        return 0;
    }
}
