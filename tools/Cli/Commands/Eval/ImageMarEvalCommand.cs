using System.ComponentModel;
using System.Globalization;
using Media.Services.Image.Data;
using Media.Services.Image.Evaluation;
using Media.Services.Image.Generation;
using Media.Services.Image.Mar;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Media.Cli.Commands.Eval;

/// <summary>
/// <c>media eval image-mar --n 200</c>: the first n held-out prompts drawn by MAR and by Token-Shuffle with the
/// same seeds (prompt i uses seed + i), scored by the GenEval-style evaluator, in one per-attribute table.
/// </summary>
internal sealed class ImageMarEvalCommand : AsyncCommand<ImageMarEvalCommand.Settings>
{
    internal sealed class Settings : MarModelOptions
    {
        [CommandOption("-n|--count")]
        [Description("Held-out prompts to draw")]
        [DefaultValue(200)]
        public int Count { get; init; } = 200;

        [CommandOption("--seed")]
        [Description("Seed of the first prompt (prompt i uses seed + i)")]
        [DefaultValue(0L)]
        public long Seed { get; init; }

        [CommandOption("--schedule")]
        [Description("DiSA schedule for MAR's head (constant, linear, cosine, two-stage); none: MAR's fixed step count")]
        public string? Schedule { get; init; }

        [CommandOption("--max-steps")]
        [DefaultValue(50)]
        public int MaxSteps { get; init; } = 50;

        [CommandOption("--min-steps")]
        [DefaultValue(5)]
        public int MinSteps { get; init; } = 5;

        [CommandOption("--token-shuffle")]
        [Description("Token-Shuffle model folder for the comparison column ('none' skips it)")]
        [DefaultValue("models/token-shuffle")]
        public string TokenShuffle { get; init; } = "models/token-shuffle";

        [CommandOption("--dar")]
        [Description("D-AR model folder for a third column, left out while the folder has no model ('none' skips it)")]
        [DefaultValue("models/d-ar")]
        public string DAr { get; init; } = "models/d-ar";

        [CommandOption("--grid")]
        [Description("Write MAR's first 16 images beside the prompts' renders as a PNG grid here")]
        public string? Grid { get; init; }

        public override ValidationResult Validate()
        {
            if (Count < 1) return ValidationResult.Error("--n must be positive.");
            if (Schedule is { } s)
                try { DiffusionStepsSchedule.ParseKind(s); }
                catch (ArgumentException e) { return ValidationResult.Error(e.Message); }
            return base.Validate();
        }
    }

    public override async Task<int> ExecuteAsync(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var device = settings.ApplyTorch();
        var samples = new CaptionedImageGenerator(64).Take(DataSplit.HeldOut, settings.Count).ToList();
        var schedule = settings.Schedule is { } name ? new DiffusionStepsSchedule(DiffusionStepsSchedule.ParseKind(name), settings.MaxSteps, settings.MinSteps) : null;
        var columns = new List<(string Name, EvaluationReport Report)>();

        using (var mar = MarGenerator.Load(settings.Mar, settings.Vae, device, settings.Batch))
        {
            var images = new RgbImage[samples.Count];
            var started = DateTime.UtcNow;
            AnsiConsole.Progress().Start(ctx =>
            {
                var task = ctx.AddTask("mar", maxValue: samples.Count);
                ImageEvalColumns.DrawMar(mar.Sampler, samples, settings.Batch, (i, s) => new MarSamplingOptions(s.Caption)
                {
                    Seed = settings.Seed + i, Iterations = settings.Iterations, Cfg = settings.MarCfg,
                    Temperature = settings.MarTemperature, DiffusionSteps = schedule,
                }, (start, decoded, _) =>
                {
                    decoded.CopyTo(images, start);
                    task.Increment(decoded.Length);
                }, cancellationToken);
            });
            AnsiConsole.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"mar: N = {settings.Iterations} AR iterations, cfg {settings.MarCfg}, head {(schedule is null ? $"constant {mar.Sampler.Model.Config.NumSamplingSteps} steps (MAR)" : $"DiSA {schedule.Name} {schedule.Max}->{schedule.Min}")}, "
                + $"{(DateTime.UtcNow - started).TotalSeconds / samples.Count:0.00} s per image"));
            columns.Add(("mar", ImageEvalColumns.Score(images, samples)));
            if (settings.Grid is { } gridPath) await ImageEvalColumns.WriteGridAsync(gridPath, samples, images, cancellationToken);
        }

        if (settings.TokenShuffle != "none")
            columns.Add(("token-shuffle", await ImageEvalColumns.TokenShuffleAsync(settings.TokenShuffle, samples, device, settings.Batch, settings.Seed, cancellationToken)));
        // D-AR joins the table once a model folder exists (it has none committed yet).
        if (settings.DAr != "none")
        {
            if (!File.Exists(Path.Combine(settings.DAr, "config.json")))
                AnsiConsole.MarkupLine($"d-ar: no model at [bold]{Markup.Escape(settings.DAr)}[/], column left out");
            else
            {
                using var dar = DArGenerator.LoadFolder(settings.DAr, device, settings.Batch);
                var images = await ImageEvalColumns.DrawAsync(samples.Count, settings.Batch, (i, ct) =>
                    dar.GenerateAsync(ImageEvalColumns.TokenRequest(samples[i].Caption, settings.Seed + i) with { GuidanceScale = DArGenerator.DefaultGuidance }, null, null, ct),
                    cancellationToken);
                columns.Add(("d-ar", ImageEvalColumns.Score(images, samples)));
            }
        }
        // Plain output: Spectre wraps long table rows at the console width.
        Console.WriteLine(ImageEvalColumns.Table(columns, samples.Count));
        return 0;
    }
}
