using System.ComponentModel;
using Media.Services.Image.TokenShuffle;
using Media.Services.Image.Training;
using Media.Tokenizers.Image;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Media.Cli.Commands.Train;

/// <summary>
/// `media train image-ar --shuffle 2`: trains the text-conditioned Token-Shuffle transformer on VQ tokens of
/// procedural 64x64 scenes (encoded once by the committed VQ tokenizer and cached in the run folder). Resumable:
/// the same command on the same run folder continues from the newest checkpoint.
/// </summary>
internal sealed class ImageArTrainCommand : Command<ImageArTrainCommand.Settings>
{
    internal sealed class Settings : ImageGptTrainingSettings
    {
        [CommandOption("--shuffle")]
        [Description("Token-Shuffle window s: 1, 2 or 4 (s² VQ codes per AR position)")]
        [DefaultValue(2)]
        public int Shuffle { get; init; } = 2;

        [CommandOption("--run")]
        [Description("Run folder: checkpoints, train.jsonl, config.json, tokens.safetensors")]
        [DefaultValue("runs/image-ar")]
        public override string Run { get; init; } = "runs/image-ar";

        [CommandOption("--vq")]
        [Description("VQ tokenizer folder")]
        [DefaultValue("models/image-vq")]
        public string Vq { get; init; } = "models/image-vq";

        [CommandOption("--out")]
        [Description("Write the trained model folder here at the end (config.json + fp16 model.safetensors)")]
        public override string? Out { get; init; }

        public override ValidationResult Validate() =>
            Shuffle is not (1 or 2 or 4) ? ValidationResult.Error("--shuffle must be 1, 2 or 4.") : base.Validate();
    }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var device = settings.ApplyTorch();
        using var vq = VqModelFolder.Load(settings.Vq, device);
        string vqSha = TokenShuffleCheckpoint.Sha256(Path.Combine(settings.Vq, VqModelFolder.WeightsFile));
        var options = settings.TrainingOptions(settings.Shuffle);
        var config = TokenShuffleTraining.ConfigFor(options, vq, vqSha);
        settings.PinGptRunConfig(config);

        AnsiConsole.MarkupLine($"encoding {settings.Samples:N0} training images with [bold]{Markup.Escape(settings.Vq)}[/] (cached in the run folder)");
        using var training = new TokenShuffleTraining(config, options, settings.Schedule("images"), vq, device);
        var trainer = training.Trainer;
        settings.AnnounceStart(trainer.ResumedFromStep, $"s={config.Shuffle}, {config.Windows} AR positions per {config.GridSize}x{config.GridSize} codes, "
            + $"{training.Model.parameters().Sum(p => p.numel()):N0} parameters");
        training.Run(settings.Until ?? settings.Steps, cancellationToken);
        ImageTrainingSettings.AnnounceEnd(trainer);
        ImageTrainingSettings.SaveTo(settings.Out, training.Export);
        return 0;
    }
}
