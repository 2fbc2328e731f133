using System.ComponentModel;
using System.Globalization;
using Media.Services.Image.Training.Perceptual;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Media.Cli.Commands.Train;

/// <summary>
/// `media train scene-features`: the feature network behind the VQ tokenizer's perceptual loss (our stand-in for LPIPS's
/// VGG), trained to name each cell's shape and colour on procedural scenes. Resumable.
/// </summary>
internal sealed class SceneFeaturesTrainCommand : Command<SceneFeaturesTrainCommand.Settings>
{
    internal sealed class Settings : ImageTrainingSettings
    {
        [CommandOption("--steps")]
        [Description("Optimizer steps of the whole run")]
        [DefaultValue(1500L)]
        public override long Steps { get; init; } = 1500;

        [CommandOption("--batch")]
        [Description("Scenes per step")]
        [DefaultValue(32)]
        public override int Batch { get; init; } = 32;

        [CommandOption("--run")]
        [Description("Run folder: checkpoints, train.jsonl")]
        [DefaultValue("runs/scene-features")]
        public override string Run { get; init; } = "runs/scene-features";

        [CommandOption("--eval-n")]
        [Description("Held-out scenes for the final accuracy")]
        [DefaultValue(1000)]
        public int EvalImages { get; init; } = 1000;

        [CommandOption("--until")]
        [Description("Stop after this step (a checkpoint is written; the same command without --until continues)")]
        public int? Until { get; init; }

        [CommandOption("--out")]
        [Description("Also save the final network here (config.json + fp16 model.safetensors)")]
        public string? Out { get; init; }

        public override ValidationResult Validate()
        {
            if (UntilError(Until) is { } untilError) return untilError;
            if (EvalImages <= 0) return ValidationResult.Error("--eval-n must be positive.");
            return base.Validate();
        }
    }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var device = settings.ApplyTorch();
        using var training = new SceneFeatureTraining(settings.Batch, settings.DataSeed, settings.Schedule("images"), device);
        settings.AnnounceStart(training.Trainer.ResumedFromStep, $"per-cell shape and colour, {training.Model.parameters().Sum(p => p.numel()):N0} parameters");
        training.Run(settings.Until ?? settings.Steps, cancellationToken);
        ImageTrainingSettings.AnnounceEnd(training.Trainer);
        var accuracy = training.Evaluate(settings.EvalImages, device);
        AnsiConsole.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"held-out ({accuracy.Images} scenes): cell shape accuracy {accuracy.Shape:0.000}, cell colour accuracy {accuracy.Colour:0.000}, empty cells {accuracy.Empty:0.000}"));
        ImageTrainingSettings.SaveTo(settings.Out, training.Export);
        return 0;
    }
}
