using System.ComponentModel;
using Media.Cli.Commands.Generate;
using Media.Services.Image.Data;
using Media.Services.Image.Evaluation;
using Media.Services.Image.Generation;
using Media.Tokenizers.Image;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Media.Cli.Commands.Eval;

/// <summary>
/// <c>media eval image-ar --n 200</c>: draws the first n held-out prompts with the Token-Shuffle model (8 at a time
/// through its scheduler), scores each image with the GenEval-style evaluator and prints per-attribute accuracy.
/// </summary>
internal sealed class ImageArEvalCommand : AsyncCommand<ImageArEvalCommand.Settings>
{
    internal sealed class Settings : ImageModelOptions
    {
        [CommandOption("-n|--count")]
        [Description("Held-out prompts to draw")]
        [DefaultValue(200)]
        public int Count { get; init; } = 200;

        [CommandOption("--cfg")]
        [DefaultValue(ImageRequest.DefaultGuidance)]
        public double Cfg { get; init; } = ImageRequest.DefaultGuidance;

        [CommandOption("--top-k")]
        [DefaultValue(100)]
        public int TopK { get; init; } = 100;

        [CommandOption("--temperature")]
        [DefaultValue(1.0)]
        public double Temperature { get; init; } = 1.0;

        [CommandOption("--seed")]
        [Description("Seed of the first prompt (prompt i uses seed + i)")]
        [DefaultValue(0UL)]
        public ulong Seed { get; init; }

        [CommandOption("--concurrent")]
        [DefaultValue(8)]
        public int Concurrent { get; init; } = 8;

        [CommandOption("--vq-ceiling")]
        [Description("Also score the held-out renders after a VQ encode/decode round trip: the best the AR model can reach")]
        public bool VqCeiling { get; init; }

        [CommandOption("--grid")]
        [Description("Write the first 16 images with their prompts' renders as a PNG grid here")]
        public string? Grid { get; init; }

        public override ValidationResult Validate() =>
            Count < 1 || Concurrent < 1 ? ValidationResult.Error("--n and --concurrent must be positive.") : base.Validate();
    }

    public override async Task<int> ExecuteAsync(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var device = settings.ApplyTorch();
        using var generator = TokenShuffleGenerator.Load(settings.ModelDirectory(), settings.VqDirectory(), device, settings.Concurrent, settings.DecoderDtype(device));
        var samples = new CaptionedImageGenerator(generator.ImageSize).Take(DataSplit.HeldOut, settings.Count).ToList();
        var images = await AnsiConsole.Progress().StartAsync(async ctx =>
        {
            var task = ctx.AddTask("images", maxValue: samples.Count);
            return await ImageEvalColumns.DrawAsync(samples.Count, settings.Concurrent, async (i, ct) =>
            {
                var request = new ImageRequest(samples[i].Caption)
                {
                    GuidanceScale = settings.Cfg,
                    Sampling = new() { Temperature = settings.Temperature, TopK = settings.TopK, Seed = settings.Seed + (ulong)i },
                };
                var image = await generator.GenerateAsync(request, null, ct);
                task.Increment(1);
                return image;
            }, cancellationToken);
        });
        var report = ImageEvalColumns.Score(images, samples);
        AnsiConsole.WriteLine(report.ToString());
        if (settings.VqCeiling)
        {
            using var vq = VqModelFolder.Load(settings.VqDirectory(), device);
            var (ceiling, _, _) = VqRoundTrip.Evaluate(vq, samples, 50);
            AnsiConsole.WriteLine("VQ round trip of the held-out renders (ceiling):");
            AnsiConsole.WriteLine(ceiling.ToString());
        }
        if (settings.Grid is { } gridPath)
        {
            await ImageEvalColumns.WriteGridAsync(gridPath, samples, images, cancellationToken);
            for (int i = 0; i < Math.Min(16, samples.Count); i++) AnsiConsole.WriteLine($"grid {i}: {samples[i].Caption}");
        }
        return 0;
    }
}
