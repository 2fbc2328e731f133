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
    internal sealed class Settings : ImageGptTrainingSettings
    {
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
        public override string? Out { get; init; }
    }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var device = settings.ApplyTorch();
        using var tokenizer = DArTokenizerFolder.Load(settings.Tokenizer, device);
        string tokenizerSha = TokenShuffleCheckpoint.Sha256(Path.Combine(settings.Tokenizer, DArTokenizerFolder.WeightsFile));
        var options = settings.TrainingOptions(1);
        var config = DArTraining.ConfigFor(options, tokenizer.Config, tokenizerSha);
        settings.PinGptRunConfig(config);

        AnsiConsole.MarkupLine($"tokenizing {settings.Samples:N0} training images with [bold]{Markup.Escape(settings.Tokenizer)}[/] (cached in the run folder)");
        using var training = new TokenShuffleTraining(config, options, settings.Schedule("images"), DArTraining.Encoder(tokenizer), device);
        var trainer = training.Trainer;
        settings.AnnounceStart(trainer.ResumedFromStep, $"{tokenizer.Config.Tokens} tokens ({tokenizer.Config.Groups} groups), 1D RoPE, "
            + $"{training.Model.parameters().Sum(p => p.numel()):N0} parameters");
        training.Run(settings.Until ?? settings.Steps, cancellationToken);
        ImageTrainingSettings.AnnounceEnd(trainer);
        ImageTrainingSettings.SaveTo(settings.Out, directory =>
        {
            training.Export(directory);
            DArTraining.CopyTokenizer(settings.Tokenizer, directory);
        });
        return 0;
    }
}
