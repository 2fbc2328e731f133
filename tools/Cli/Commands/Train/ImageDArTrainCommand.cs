using System.ComponentModel;
using Media.Services.Image.TokenShuffle;
using Media.Services.Image.Training;
using Media.Tokenizers.Image.DAr;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Media.Cli.Commands.Train;

/// <summary>
/// `media train image-dar`: trains D-AR's caption-conditioned GPT (LlamaGen's decoder with 1D RoPE, the Token-Shuffle
/// recipe with s = 1) on the tokens of procedural 64x64 scenes, encoded once by a D-AR tokenizer and cached in the run folder.
/// Resumable. With --out it writes the servable model folder: the GPT and a copy of its tokenizer under <c>tokenizer/</c>.
/// </summary>
internal sealed class ImageDArTrainCommand : Command<ImageDArTrainCommand.Settings>
{
    internal sealed class Settings : ImageTrainingSettings
    {
        [CommandOption("--steps")]
        [Description("Optimizer steps of the whole run")]
        [DefaultValue(2000L)]
        public override long Steps { get; init; } = 2000;

        [CommandOption("--batch")]
        [Description("Images per step")]
        [DefaultValue(32)]
        public override int Batch { get; init; } = 32;

        [CommandOption("--samples")]
        [Description("Training images, tokenized once and cached in the run folder")]
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
        [DefaultValue("runs/image-dar")]
        public override string Run { get; init; } = "runs/image-dar";

        [CommandOption("--tokenizer")]
        [Description("D-AR tokenizer folder (media train image-dar-tokenizer --out)")]
        [DefaultValue("models/d-ar/tokenizer")]
        public string Tokenizer { get; init; } = "models/d-ar/tokenizer";

        [CommandOption("--out")]
        [Description("Write the servable model folder here at the end (GPT + tokenizer/)")]
        public string? Out { get; init; }

        [CommandOption("--until")]
        [Description("Stop after this step (a checkpoint is written; the same command without --until continues)")]
        public int? Until { get; init; }

        public override ValidationResult Validate()
        {
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
        using var tokenizer = DArTokenizerFolder.Load(settings.Tokenizer, device);
        string tokenizerSha = TokenShuffleCheckpoint.Sha256(Path.Combine(settings.Tokenizer, DArTokenizerFolder.WeightsFile));
        var options = new TokenShuffleTrainingOptions
        {
            Shuffle = 1, Samples = settings.Samples, Batch = settings.Batch, Dim = settings.Dim, Layers = settings.Layers,
            Heads = settings.Heads, TextLength = settings.TextLength, CaptionDropout = settings.CaptionDropout, DataSeed = settings.DataSeed,
        };
        var config = DArTraining.ConfigFor(options, tokenizer.Config, tokenizerSha);
        settings.PinRunConfig(TokenShuffleCheckpoint.ConfigFile, config.ToJson());

        AnsiConsole.MarkupLine($"tokenizing {settings.Samples:N0} training images with [bold]{Markup.Escape(settings.Tokenizer)}[/] (cached in the run folder)");
        using var training = new TokenShuffleTraining(config, options, settings.Schedule("images"), DArTraining.Encoder(tokenizer), device);
        var trainer = training.Trainer;
        settings.AnnounceStart(trainer.ResumedFromStep, $"{tokenizer.Config.Tokens} tokens ({tokenizer.Config.Groups} groups), 1D RoPE, "
            + $"{training.Model.parameters().Sum(p => p.numel()):N0} parameters");
        training.Run(settings.Until ?? settings.Steps, cancellationToken);
        AnsiConsole.MarkupLine(trainer.History.Count > 0 ? $"step {trainer.Step}, loss {trainer.History[^1].Loss:0.000}" : $"step {trainer.Step} (nothing left to train)");

        if (settings.Out is { } outDirectory)
        {
            training.Export(outDirectory);
            DArTraining.CopyTokenizer(settings.Tokenizer, outDirectory);
            AnsiConsole.MarkupLine($"saved [bold]{Markup.Escape(outDirectory)}[/]");
        }
        return 0;
    }
}
