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
    internal sealed class Settings : ImageTrainingSettings
    {
        [CommandOption("--shuffle")]
        [Description("Token-Shuffle window s: 1, 2 or 4 (s² VQ codes per AR position)")]
        [DefaultValue(2)]
        public int Shuffle { get; init; } = 2;

        [CommandOption("--steps")]
        [Description("Optimizer steps of the whole run")]
        [DefaultValue(2000L)]
        public override long Steps { get; init; } = 2000;

        [CommandOption("--batch")]
        [Description("Images per step")]
        [DefaultValue(32)]
        public override int Batch { get; init; } = 32;

        [CommandOption("--samples")]
        [Description("Training images, VQ-encoded once and cached in the run folder")]
        [DefaultValue(20000)]
        public int Samples { get; init; } = 20000;

        [CommandOption("--dim")]
        [DefaultValue(256)]
        public int Dim { get; init; } = 256;

        [CommandOption("--layers")]
        [DefaultValue(6)]
        public int Layers { get; init; } = 6;

        [CommandOption("--heads")]
        [DefaultValue(8)]
        public int Heads { get; init; } = 8;

        [CommandOption("--text-length")]
        [Description("Caption tokens the model reads (then <boi>)")]
        [DefaultValue(24)]
        public int TextLength { get; init; } = 24;

        [CommandOption("--caption-dropout")]
        [Description("Share of captions replaced by the null caption (for classifier-free guidance)")]
        [DefaultValue(0.1)]
        public double CaptionDropout { get; init; } = 0.1;

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
        public string? Out { get; init; }

        [CommandOption("--until")]
        [Description("Stop after this step (a checkpoint is written; the same command without --until continues)")]
        public int? Until { get; init; }

        public override ValidationResult Validate()
        {
            if (Shuffle is not (1 or 2 or 4)) return ValidationResult.Error("--shuffle must be 1, 2 or 4.");
            if (Samples <= 0) return ValidationResult.Error("--samples must be positive.");
            if (Until is { } until && (until <= 0 || until > Steps)) return ValidationResult.Error("--until must lie in 1..--steps.");
            if (TextLength <= 0) return ValidationResult.Error("--text-length must be positive.");
            if (CaptionDropout is < 0 or >= 1) return ValidationResult.Error("--caption-dropout must lie in [0, 1).");
            return base.Validate();
        }
    }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var device = settings.ApplyTorch();
        using var vq = VqModelFolder.Load(settings.Vq, device);
        string vqSha = TokenShuffleCheckpoint.Sha256(Path.Combine(settings.Vq, VqModelFolder.WeightsFile));
        var options = new TokenShuffleTrainingOptions
        {
            Shuffle = settings.Shuffle, Samples = settings.Samples, Batch = settings.Batch, Dim = settings.Dim, Layers = settings.Layers,
            Heads = settings.Heads, TextLength = settings.TextLength, CaptionDropout = settings.CaptionDropout, DataSeed = settings.DataSeed,
        };
        var config = TokenShuffleTraining.ConfigFor(options, vq, vqSha);
        settings.PinRunConfig(TokenShuffleCheckpoint.ConfigFile, config.ToJson());

        AnsiConsole.MarkupLine($"encoding {settings.Samples:N0} training images with [bold]{Markup.Escape(settings.Vq)}[/] (cached in the run folder)");
        using var training = new TokenShuffleTraining(config, options, settings.Schedule("images"), vq, device);
        var trainer = training.Trainer;
        settings.AnnounceStart(trainer.ResumedFromStep, $"s={config.Shuffle}, {config.Windows} AR positions per {config.GridSize}x{config.GridSize} codes, "
            + $"{training.Model.parameters().Sum(p => p.numel()):N0} parameters");
        training.Run(settings.Until ?? settings.Steps, cancellationToken);
        // A resume at the final step trains nothing (it only exports): there is no loss of this invocation to show.
        AnsiConsole.MarkupLine(trainer.History.Count > 0 ? $"step {trainer.Step}, loss {trainer.History[^1].Loss:0.000}" : $"step {trainer.Step} (nothing left to train)");

        if (settings.Out is { } outDirectory)
        {
            training.Export(outDirectory);
            AnsiConsole.MarkupLine($"saved [bold]{Markup.Escape(outDirectory)}[/]");
        }
        return 0;
    }
}
