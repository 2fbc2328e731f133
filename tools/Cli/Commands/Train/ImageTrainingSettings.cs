using System.ComponentModel;
using Media.Cli.Commands.Settings;
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

    public override ValidationResult Validate() =>
        Threads <= 0 ? ValidationResult.Error("--threads must be positive.") : base.Validate();
}
