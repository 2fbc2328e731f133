using System.ComponentModel;
using Media.Services.Image.Training;
using Media.Tokenizers.Image.DAr;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Media.Cli.Commands.Train;

/// <summary>
/// `media train image-dar-tokenizer`: trains D-AR's sequential diffusion tokenizer on procedural 64x64 scenes. Resumable: the
/// same command on the same run folder continues from the newest checkpoint.
/// </summary>
internal sealed class ImageDArTokenizerTrainCommand : Command<ImageDArTokenizerTrainCommand.Settings>
{
    internal sealed class Settings : ImageTrainingSettings
    {
        [CommandOption("--steps")]
        [Description("Optimizer steps of the whole run")]
        [DefaultValue(2000L)]
        public override long Steps { get; init; } = 2000;

        [CommandOption("--batch")]
        [Description("Images per step")]
        [DefaultValue(16)]
        public override int Batch { get; init; } = 16;

        [CommandOption("--run")]
        [Description("Run folder: checkpoints, train.jsonl, config.json")]
        [DefaultValue("runs/image-dar-tokenizer")]
        public override string Run { get; init; } = "runs/image-dar-tokenizer";

        [CommandOption("--tokens")]
        [Description("Tokens per image")]
        [DefaultValue(64)]
        public int Tokens { get; init; } = 64;

        [CommandOption("--groups")]
        [Description("Token groups = flow steps")]
        [DefaultValue(8)]
        public int Groups { get; init; } = 8;

        [CommandOption("--codebook")]
        [DefaultValue(1024)]
        public int Codebook { get; init; } = 1024;

        [CommandOption("--encoder-dim")]
        [DefaultValue(128)]
        public int EncoderDim { get; init; } = 128;

        [CommandOption("--encoder-layers")]
        [DefaultValue(4)]
        public int EncoderLayers { get; init; } = 4;

        [CommandOption("--decoder-dim")]
        [DefaultValue(128)]
        public int DecoderDim { get; init; } = 128;

        [CommandOption("--decoder-depth")]
        [DefaultValue(4)]
        public int DecoderDepth { get; init; } = 4;

        [CommandOption("--decoder-patch")]
        [Description("Decoder patch side in pixels")]
        [DefaultValue(4)]
        public int DecoderPatch { get; init; } = 4;

        [CommandOption("--perceptual-weight")]
        [Description("Weight of the pixel stand-in for LPIPS on the one-step estimate")]
        [DefaultValue(0.5)]
        public double PerceptualWeight { get; init; } = 0.5;

        [CommandOption("--perceptual-net")]
        [Description("Scene feature network folder (models/scene-features): LPIPS's and REPA's stand-in (D-AR: VGG and DINOv2); without it, the pixel loss only and no REPA")]
        public string? PerceptualNet { get; init; }

        [CommandOption("--feature-weight")]
        [Description("Weight of the perceptual distance in the feature network on the one-step estimate (with --perceptual-net)")]
        [DefaultValue(0.5)]
        public double FeatureWeight { get; init; } = 0.5;

        [CommandOption("--repa-weight")]
        [Description("Weight of REPA, the decoder's alignment with the feature network (with --perceptual-net; 0: no projector)")]
        [DefaultValue(0.5)]
        public double RepaWeight { get; init; } = 0.5;

        [CommandOption("--object-weight")]
        [Description("Extra weight of foreground pixels in the flow and pixel losses")]
        [DefaultValue(4.0)]
        public double ObjectWeight { get; init; } = 4;

        [CommandOption("--eval-every")]
        [DefaultValue(200)]
        public int EvalEvery { get; init; } = 200;

        [CommandOption("--eval-n")]
        [DefaultValue(32)]
        public int EvalImages { get; init; } = 32;

        [CommandOption("--init")]
        [Description("Tokenizer folder of the same config whose weights a fresh run starts from (e.g. a GPU run's --out); a run with a checkpoint ignores it")]
        public string? Init { get; init; }

        [CommandOption("--until")]
        [Description("Stop after this step (a checkpoint is written; the same command without --until continues)")]
        public int? Until { get; init; }

        [CommandOption("--out")]
        [Description("Also save the final tokenizer here (config.json + fp16 model.safetensors)")]
        public string? Out { get; init; }

        public override ValidationResult Validate()
        {
            if (UntilError(Until) is { } untilError) return untilError;
            if (PerceptualWeight < 0 || ObjectWeight < 0 || FeatureWeight < 0 || RepaWeight < 0)
                return ValidationResult.Error("--perceptual-weight, --object-weight, --feature-weight and --repa-weight must not be negative.");
            if (PerceptualNet is { } net && !File.Exists(Path.Combine(net, "config.json")))
                return ValidationResult.Error($"--perceptual-net {net} is not a model folder (no config.json); train one with `media train scene-features`.");
            return base.Validate();
        }
    }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var device = settings.ApplyTorch();
        var config = new DArTokenizerConfig
        {
            ImageSize = DArTokenizerTraining.ImageSize, Tokens = settings.Tokens, Groups = settings.Groups, CodebookSize = settings.Codebook,
            EncoderDim = settings.EncoderDim, EncoderLayers = settings.EncoderLayers, DecoderDim = settings.DecoderDim,
            DecoderDepth = settings.DecoderDepth, DecoderPatchSize = settings.DecoderPatch,
        };
        // REPA's projector is part of the pinned model: it maps to the channels of the feature stage at the decoder's grid.
        if (settings.PerceptualNet is not null && settings.RepaWeight > 0)
            config = config with { RepaDim = Media.Services.Image.Training.Perceptual.SceneFeatureNet.StageChannels[DArTokenizerObjective.RepaStage(config)] };
        if (ImageTrainingSettings.ConfigRejected(config.Validate)) return 2;
        settings.PinRunConfig(DArTokenizerFolder.ConfigFile, DArTokenizerFolder.ConfigJson(config));
        var options = new DArTokenizerTrainingOptions
        {
            Batch = settings.Batch, DataSeed = settings.DataSeed, EvalEvery = settings.EvalEvery, EvalImages = settings.EvalImages,
            Objective = new DArTokenizerObjectiveOptions
            {
                PerceptualWeight = settings.PerceptualWeight, ObjectWeight = settings.ObjectWeight, FeatureWeight = settings.FeatureWeight, RepaWeight = settings.RepaWeight,
            },
            PerceptualNetwork = settings.PerceptualNet,
            InitFrom = settings.Init,
        };
        using var training = new DArTokenizerTraining(config, options, settings.Schedule("images"), device);
        settings.AnnounceStart(training.Trainer.ResumedFromStep, $"{config.Tokens} tokens in {config.Groups} groups, {config.CodebookSize} x {config.CodebookDim} codes, "
            + $"{training.Model.parameters().Sum(p => p.numel()):N0} parameters");
        training.Run(settings.Until ?? settings.Steps, cancellationToken);
        ImageTrainingSettings.AnnounceEnd(training.Trainer);
        ImageTrainingSettings.SaveTo(settings.Out, training.Export);
        return 0;
    }
}
