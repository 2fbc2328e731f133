using System.ComponentModel;
using System.Globalization;
using Media.Services.Image.Training;
using Media.Tokenizers.Image;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Media.Cli.Commands.Train;

/// <summary>
/// `media train image-vq`: trains the VQ image tokenizer on procedural 64x64 scenes. Resumable: run
/// it again with the same run folder and settings and it continues from the newest checkpoint.
/// </summary>
internal sealed class ImageVqTrainCommand : Command<ImageVqTrainCommand.Settings>
{
    internal sealed class Settings : ImageAutoencoderTrainingSettings
    {
        [CommandOption("--steps")]
        [Description("Optimizer steps of the whole run")]
        [DefaultValue(3000L)]
        public override long Steps { get; init; } = 3000;

        [CommandOption("--batch")]
        [Description("Images per step")]
        [DefaultValue(16)]
        public override int Batch { get; init; } = 16;

        [CommandOption("--run")]
        [Description("Run folder: checkpoints, train.jsonl, config.json")]
        [DefaultValue("runs/image-vq")]
        public override string Run { get; init; } = "runs/image-vq";

        [CommandOption("--downsample")]
        [Description("Pixels per token side: 4 (16x16 tokens for 64 px) or 8 (8x8 tokens)")]
        [DefaultValue(8)]
        public int Downsample { get; init; } = 8;

        [CommandOption("--codebook")]
        [Description("Number of codes")]
        [DefaultValue(1024)]
        public int Codebook { get; init; } = 1024;

        [CommandOption("--codebook-dim")]
        [Description("Dimension of each code")]
        [DefaultValue(8)]
        public int CodebookDim { get; init; } = 8;

        [CommandOption("--restart-every")]
        [Description("Restart codes unused over this many steps (0: never)")]
        [DefaultValue(100)]
        public int RestartEvery { get; init; } = 100;

        [CommandOption("--object-weight")]
        [Description("Extra reconstruction weight of pixels that differ from the image's border colour (0: all pixels alike)")]
        [DefaultValue(0.0)]
        public double ObjectWeight { get; init; }

        [CommandOption("--object-margin")]
        [Description("Pixels within this distance of an object weigh as the object in the reconstruction terms, so specks beside objects cost as much as errors on them (0: the object's pixels only)")]
        [DefaultValue(0)]
        public int ObjectMargin { get; init; }

        [CommandOption("--eval-every")]
        [Description("Measure held-out PSNR and codebook usage every this many steps (0: never)")]
        [DefaultValue(250)]
        public int EvalEvery { get; init; } = 250;

        [CommandOption("--eval-n")]
        [Description("Held-out images for the periodic evaluation")]
        [DefaultValue(64)]
        public int EvalImages { get; init; } = 64;

        [CommandOption("--perceptual-net")]
        [Description("Scene feature network folder (media train scene-features) for the perceptual term; none by default")]
        public string? PerceptualNetwork { get; init; }

        [CommandOption("--perceptual-weight")]
        [Description("Weight of the perceptual term")]
        [DefaultValue(1.0)]
        public double PerceptualWeight { get; init; } = 1.0;

        [CommandOption("--disc-weight")]
        [Description("Weight of the adversarial term on top of VQGAN's adaptive weight; 0 trains no discriminator")]
        [DefaultValue(0.0)]
        public double DiscriminatorWeight { get; init; }

        [CommandOption("--disc-start")]
        [Description("Step from which the PatchGAN discriminator trains and its term counts")]
        [DefaultValue(0L)]
        public long DiscriminatorStart { get; init; }

        [CommandOption("--init")]
        [Description("Start a fresh run from this VQ model folder's weights (same architecture), e.g. to fine-tune with the GAN terms")]
        public string? Init { get; init; }

        [CommandOption("--out")]
        [Description("Also save the final model here (config.json + fp16 model.safetensors)")]
        public string? Out { get; init; }

        [CommandOption("--until")]
        [Description("Stop after this step (a checkpoint and --out are written; the same command without --until continues)")]
        public long? Until { get; init; }

        public override ValidationResult Validate()
        {
            if (Downsample is not (4 or 8)) return ValidationResult.Error("--downsample must be 4 or 8.");
            if (ObjectWeight < 0 || ObjectMargin < 0) return ValidationResult.Error("--object-weight and --object-margin must not be negative.");
            if (PerceptualWeight < 0 || DiscriminatorWeight < 0 || DiscriminatorStart < 0)
                return ValidationResult.Error("--perceptual-weight, --disc-weight and --disc-start must not be negative.");
            if (PerceptualNetwork is { } net && !File.Exists(Path.Combine(net, Media.Modeling.Checkpoints.ModelFolder.ConfigFile))) return ValidationResult.Error($"--perceptual-net {net} has no {Media.Modeling.Checkpoints.ModelFolder.ConfigFile}.");
            if (Init is { } init && !File.Exists(Path.Combine(init, VqModelFolder.ConfigFile))) return ValidationResult.Error($"--init {init} has no {VqModelFolder.ConfigFile}.");
            if (UntilError(Until) is { } untilError) return untilError;
            return base.Validate();
        }
    }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var device = settings.ApplyTorch();
        var options = RecipeOptions(settings);
        var config = settings.Init is { } init ? VqModelFolder.ReadConfig(Path.Combine(init, VqModelFolder.ConfigFile)) : VqTokenizerTraining.ConfigFor(options);
        settings.PinRunConfig(VqModelFolder.ConfigFile, VqModelFolder.ConfigJson(config), path => VqModelFolder.ConfigJson(VqModelFolder.ReadConfig(path)));

        using var training = new VqTokenizerTraining(config, options, settings.Schedule("images"), device);
        settings.AnnounceStart(training.Trainer.ResumedFromStep, $"{config.DownsampleFactor}x downsampling, {config.CodebookSize} x {config.CodebookDim} codes, "
            + $"{training.Model.parameters().Sum(p => p.numel()):N0} parameters");

        training.Run(settings.Until, cancellationToken);
        AnsiConsole.MarkupLine($"step {training.Trainer.Step}; dead-code restarts this session: {training.Objective.Restarts} ({training.Objective.RestartedCodes} codes moved)");

        if (training.Finish(settings.Out) is { } metrics)
            AnsiConsole.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"held-out ({metrics.Images} images): psnr {metrics.Psnr:0.00} dB, codebook usage {metrics.CodebookUsage:0.000}, perplexity {metrics.Perplexity:0.0}"));
        if (settings.Out is { } outDirectory) AnsiConsole.MarkupLine($"saved [bold]{Markup.Escape(outDirectory)}[/]");
        return 0;
    }

    static VqTokenizerTrainingOptions RecipeOptions(Settings s) => new()
    {
        Downsample = s.Downsample, Channels = s.Channels, ResBlocks = s.ResBlocks, Codebook = s.Codebook, CodebookDim = s.CodebookDim,
        RestartEvery = s.RestartEvery, ObjectWeight = s.ObjectWeight, ObjectMargin = s.ObjectMargin, Ema = s.Ema, EvalEvery = s.EvalEvery, EvalImages = s.EvalImages,
        Batch = s.Batch, DataSeed = s.DataSeed, PerceptualNetwork = s.PerceptualNetwork, PerceptualWeight = s.PerceptualWeight,
        DiscriminatorWeight = s.DiscriminatorWeight, DiscriminatorStart = s.DiscriminatorStart, InitFrom = s.Init,
    };
}
