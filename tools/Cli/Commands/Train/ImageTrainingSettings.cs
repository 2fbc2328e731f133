using System.ComponentModel;
using System.Globalization;
using Media.Cli.Commands.Settings;
using Media.Modeling.Training;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Media.Cli.Commands.Train;

/// <summary>What the image tokenizer and the image transformer trainers share: procedural scenes, schedule, checkpoints, one thread.</summary>
internal abstract class ImageTrainingSettings : TrainingRunSettings
{
    [CommandOption("--data-seed")]
    [Description("Seed of the procedural image generator")]
    [DefaultValue(0)]
    public int DataSeed { get; init; }

    [CommandOption("--lr")]
    [Description("Peak learning rate (AdamW, warmup then cosine to a tenth)")]
    [DefaultValue(1e-3)]
    public override double LearningRate { get; init; } = 1e-3;

    [CommandOption("--checkpoint-every")]
    [Description("Write a resumable checkpoint every this many steps")]
    [DefaultValue(100L)]
    public override long CheckpointEvery { get; init; } = 100;

    [CommandOption("--threads")]
    [Description("Intra-op CPU threads (1 is fastest on a busy machine)")]
    [DefaultValue(1)]
    public override int Threads { get; init; } = 1;

    /// <summary>Prints the step reached and its loss; a resume at the final step trains nothing (it only exports), so there is no loss to show.</summary>
    public static void AnnounceEnd<TBatch>(Trainer<TBatch> trainer) =>
        AnsiConsole.MarkupLine(trainer.History.Count > 0
            ? string.Create(CultureInfo.InvariantCulture, $"step {trainer.Step}, loss {trainer.History[^1].Loss:0.000}")
            : $"step {trainer.Step} (nothing left to train)");

    /// <summary>Runs <paramref name="validate"/> (a config's own check) and prints its <see cref="ArgumentException"/> in red; true when it threw.</summary>
    public static bool ConfigRejected(Action validate)
    {
        try
        {
            validate();
            return false;
        }
        catch (ArgumentException e)
        {
            AnsiConsole.MarkupLine($"[red]{Markup.Escape(e.Message)}[/]");
            return true;
        }
    }

    /// <summary>Runs <paramref name="export"/> into <paramref name="outDirectory"/> when one was given, and says so.</summary>
    public static void SaveTo(string? outDirectory, Action<string> export)
    {
        if (outDirectory is null) return;
        export(outDirectory);
        AnsiConsole.MarkupLine($"saved [bold]{Markup.Escape(outDirectory)}[/]");
    }

    public override ValidationResult Validate() =>
        Threads <= 0 ? ValidationResult.Error("--threads must be positive.") : base.Validate();
}
