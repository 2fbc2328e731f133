using System.ComponentModel;
using System.Globalization;
using Media.Services.Image.Data;
using Media.Services.Image.LatentDiffusion;
using Media.Services.Image.TokenShuffle;
using Media.Services.Image.Training;
using Media.Tokenizers.Image.Kl;
using Media.Tokenizers.Text;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Media.Cli.Commands.Train;

/// <summary>
/// `media train image-ldm`: trains the text-conditioned latent DiT (recipe: <see cref="LdmTraining"/>), MagicMix's base
/// model, over the KL autoencoder's latents of procedural scenes. Resumable with the same run folder.
/// </summary>
internal sealed class ImageLdmTrainCommand : Command<ImageLdmTrainCommand.Settings>
{
    internal sealed class Settings : ImageTrainingSettings
    {
        [CommandOption("--steps")]
        [Description("Optimizer steps of the whole run")]
        [DefaultValue(4000L)]
        public override long Steps { get; init; } = 4000;

        [CommandOption("--batch")]
        [Description("Scenes per step")]
        [DefaultValue(32)]
        public override int Batch { get; init; } = 32;

        [CommandOption("--run")]
        [Description("Run folder: checkpoints, train.jsonl, config.json, latents.safetensors")]
        [DefaultValue("runs/image-ldm")]
        public override string Run { get; init; } = "runs/image-ldm";

        [CommandOption("--vae")]
        [Description("KL autoencoder folder")]
        [DefaultValue("models/image-vae")]
        public string Vae { get; init; } = "models/image-vae";

        [CommandOption("--samples")]
        [Description("Training scenes (encoded once, cached in the run folder)")]
        [DefaultValue(20000)]
        public int Samples { get; init; } = 20000;

        [CommandOption("--patch")]
        [Description("Latents per token side (2: 8x8 tokens of 16 values for 16x16x4 latents)")]
        [DefaultValue(2)]
        public int Patch { get; init; } = 2;

        [CommandOption("--dim")]
        [Description("Width of the DiT and of the caption encoder")]
        [DefaultValue(192)]
        public int Dim { get; init; } = 192;

        [CommandOption("--depth")]
        [Description("DiT blocks")]
        [DefaultValue(6)]
        public int Depth { get; init; } = 6;

        [CommandOption("--heads")]
        [Description("Attention heads")]
        [DefaultValue(6)]
        public int Heads { get; init; } = 6;

        [CommandOption("--text-depth")]
        [Description("Blocks of the caption encoder")]
        [DefaultValue(2)]
        public int TextDepth { get; init; } = 2;

        [CommandOption("--text-length")]
        [Description("Caption tokens")]
        [DefaultValue(24)]
        public int TextLength { get; init; } = 24;

        [CommandOption("--schedule")]
        [Description("Noise schedule: scaled_linear (Stable Diffusion's, MagicMix's base), linear or cosine")]
        [DefaultValue("scaled_linear")]
        public string NoiseSchedule { get; init; } = "scaled_linear";

        [CommandOption("--ema")]
        [Description("EMA decay of the weights (0: none)")]
        [DefaultValue(0.999)]
        public double Ema { get; init; } = 0.999;

        [CommandOption("--until")]
        [Description("Stop after this step (a checkpoint is written; the same command without --until continues)")]
        public long? Until { get; init; }

        [CommandOption("--out")]
        [Description("Write the model folder (EMA weights, fp16) here at the end")]
        public string? Out { get; init; }

        public override ValidationResult Validate()
        {
            if (Samples <= 0 || Dim <= 0 || Depth <= 0 || Heads <= 0 || TextDepth < 0 || TextLength <= 0 || Patch <= 0)
                return ValidationResult.Error("Sizes must be positive.");
            if (Ema is < 0 or >= 1) return ValidationResult.Error("--ema must lie in [0, 1).");
            if (Until is { } until && (until <= 0 || until > Steps)) return ValidationResult.Error("--until must lie in 1..--steps.");
            return base.Validate();
        }
    }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var device = settings.ApplyTorch();
        using var vae = KlModelFolder.Load(settings.Vae, device);
        string vaeSha = TokenShuffleCheckpoint.Sha256(Path.Combine(settings.Vae, KlModelFolder.WeightsFile));
        var vocabulary = CaptionVocabulary.FromWords(CaptionWords.All);
        var config = new LdmConfig
        {
            ImgSize = 64, VaeStride = vae.Config.DownsampleFactor, VaeEmbedDim = vae.Config.EmbedDim, PatchSize = settings.Patch,
            HiddenSize = settings.Dim, Depth = settings.Depth, NumHeads = settings.Heads, TextDepth = settings.TextDepth,
            TextLength = settings.TextLength, CaptionGpt2Ids = vocabulary.Gpt2Ids.ToArray(), NoiseSchedule = settings.NoiseSchedule,
            VaeSha256 = vaeSha,
        };
        try { config.Validate(); }
        catch (ArgumentException e) { AnsiConsole.MarkupLine($"[red]{Markup.Escape(e.Message)}[/]"); return 2; }
        settings.PinRunConfig(LdmCheckpoint.ConfigFile, config.ToJson());

        var schedule = settings.Schedule("images") with { WeightDecay = 0.0, MaxGradNorm = 1.0, EmaDecay = settings.Ema > 0 ? settings.Ema : null };
        AnsiConsole.MarkupLine($"encoding {settings.Samples:N0} training scenes with [bold]{Markup.Escape(settings.Vae)}[/] (cached in the run folder)");
        using var training = new LdmTraining(new LdmTrainingOptions { Config = config, Samples = settings.Samples, Batch = settings.Batch, DataSeed = (ulong)settings.DataSeed },
            schedule, vae, vaeSha, device);
        settings.AnnounceStart(training.Trainer.ResumedFromStep, $"{config.GridSize * config.GridSize} tokens of {config.TokenDim} values, "
            + $"{training.Model.parameters().Sum(p => p.numel()):N0} parameters");
        training.Run(Math.Max(training.Trainer.Step, settings.Until ?? settings.Steps), cancellationToken);
        AnsiConsole.MarkupLine(training.Trainer.History.Count > 0 ? $"step {training.Trainer.Step}, loss {training.Trainer.History[^1].Loss:0.0000}" : $"step {training.Trainer.Step}");
        if (settings.Out is { } outDirectory)
        {
            training.Export(outDirectory, new Dictionary<string, string>
            {
                ["steps"] = training.Trainer.Step.ToString(CultureInfo.InvariantCulture),
                ["seed"] = settings.Seed.ToString(CultureInfo.InvariantCulture),
                ["samples"] = settings.Samples.ToString(CultureInfo.InvariantCulture),
            });
            AnsiConsole.MarkupLine($"saved [bold]{Markup.Escape(outDirectory)}[/]");
        }
        return 0;
    }
}
