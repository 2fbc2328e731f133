using System.ComponentModel;
using System.Globalization;
using Media.Services.Image.Training;
using Media.Tokenizers.Image.Kl;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Media.Cli.Commands.Train;

/// <summary>
/// `media train image-vae`: trains the KL autoencoder (continuous latents for MAR and MagicMix) on
/// procedural 64x64 scenes; the recipe is <see cref="KlTokenizerTraining"/>. Resumable: run it again
/// with the same run folder and options and it continues from the newest checkpoint.
/// </summary>
internal sealed class ImageVaeTrainCommand : Command<ImageVaeTrainCommand.Settings>
{
    internal sealed class Settings : ImageAutoencoderTrainingSettings
    {
        [CommandOption("--steps")]
        [Description("Optimizer steps of the whole run")]
        [DefaultValue(2000L)]
        public override long Steps { get; init; } = 2000;

        [CommandOption("--batch")]
        [Description("Images per step")]
        [DefaultValue(8)]
        public override int Batch { get; init; } = 8;

        [CommandOption("--run")]
        [Description("Run folder: checkpoints, train.jsonl, config.json")]
        [DefaultValue("runs/image-vae")]
        public override string Run { get; init; } = "runs/image-vae";

        [CommandOption("--embed-dim")]
        [Description("Latent channels (16x16 latents for 64 px)")]
        [DefaultValue(4)]
        public int EmbedDim { get; init; } = 4;

        [CommandOption("--object-weight")]
        [Description("Extra reconstruction weight of pixels that differ from the image's border colour")]
        [DefaultValue(4.0)]
        public double ObjectWeight { get; init; } = 4;

        [CommandOption("--object-margin")]
        [Description("Pixels within this distance of an object weigh as the object, so specks beside objects cost as much as errors on them (0: the object's pixels only; see models/image-vq's card)")]
        [DefaultValue(0)]
        public int ObjectMargin { get; init; }

        [CommandOption("--kl-weight")]
        [Description("Weight of the KL term against per-image pixel error sums (latent diffusion: 1e-6)")]
        [DefaultValue(1e-6)]
        public double KlWeight { get; init; } = 1e-6;

        [CommandOption("--eval-every")]
        [Description("Measure held-out PSNR and latent std every this many steps (0: never)")]
        [DefaultValue(100)]
        public int EvalEvery { get; init; } = 100;

        [CommandOption("--eval-n")]
        [Description("Held-out images for the periodic evaluation")]
        [DefaultValue(32)]
        public int EvalImages { get; init; } = 32;

        [CommandOption("--out")]
        [Description("Also save the final model here (config.json with the measured scale factor + fp16 model.safetensors)")]
        public string? Out { get; init; }

        public override ValidationResult Validate()
        {
            if (ObjectWeight < 0 || ObjectMargin < 0 || KlWeight < 0) return ValidationResult.Error("--object-weight, --object-margin and --kl-weight must not be negative.");
            if (EmbedDim < 1) return ValidationResult.Error("--embed-dim must be positive.");
            return base.Validate();
        }
    }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var device = settings.ApplyTorch();
        var config = new KlConfig { EmbedDim = settings.EmbedDim, Channels = settings.Channels, ResBlocks = settings.ResBlocks };
        if (ImageTrainingSettings.ConfigRejected(config.Validate)) return 2;
        settings.PinRunConfig(KlModelFolder.ConfigFile, KlModelFolder.ConfigJson(config), path => KlModelFolder.ConfigJson(KlModelFolder.ReadConfig(path)));

        var options = new KlTrainingOptions
        {
            Config = config,
            Batch = settings.Batch,
            DataSeed = (ulong)settings.DataSeed,
            Reconstruction = new SceneReconstructionLoss(ObjectWeight: settings.ObjectWeight, ObjectMargin: settings.ObjectMargin),
            KlWeight = settings.KlWeight,
            EvalImages = settings.EvalEvery > 0 ? settings.EvalImages : 0,
        };
        var schedule = settings.Schedule("images") with
        {
            WeightDecay = 0,
            MaxGradNorm = 1.0,
            EmaDecay = settings.Ema > 0 ? settings.Ema : null,
            EvalEvery = settings.EvalEvery,
        };
        using var training = new KlTokenizerTraining(options, schedule, device);
        settings.AnnounceStart(training.Trainer.ResumedFromStep,
            $"{config.DownsampleFactor}x downsampling to {config.EmbedDim} latent channels, {training.Model.parameters().Sum(p => p.numel()):N0} parameters");
        training.Run(cancellationToken);

        if (training.Measure() is { } metrics)
            AnsiConsole.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"held-out ({metrics.Images} images): psnr {metrics.Psnr:0.00} dB, latent std {metrics.LatentStd:0.0000} (scale factor {metrics.UnitScaleFactor})"));
        if (settings.Out is { } outDirectory)
        {
            using var scaleImages = training.TrainImages(256);
            var saved = training.Export(outDirectory, scaleImages, new Dictionary<string, string>
            {
                ["steps"] = training.Trainer.Step.ToString(CultureInfo.InvariantCulture),
                ["seed"] = settings.Seed.ToString(CultureInfo.InvariantCulture),
                ["data_seed"] = settings.DataSeed.ToString(CultureInfo.InvariantCulture),
            });
            AnsiConsole.MarkupLine($"saved [bold]{Markup.Escape(outDirectory)}[/] (scale factor {saved.ScaleFactor.ToString(CultureInfo.InvariantCulture)})");
        }
        return 0;
    }
}
