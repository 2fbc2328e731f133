using System.ComponentModel;
using System.Globalization;
using Media.Services.Image.Data;
using Media.Services.Image.Mar;
using Media.Services.Image.TokenShuffle;
using Media.Services.Image.Training;
using Media.Tokenizers.Image.Kl;
using Media.Tokenizers.Text;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Media.Cli.Commands.Train;

/// <summary>
/// `media train image-mar`: trains the caption-conditioned MAR model (recipe: <see cref="MarTraining"/>)
/// over the KL autoencoder's latents of procedural scenes. Resumable with the same run folder.
/// </summary>
internal sealed class ImageMarTrainCommand : Command<ImageMarTrainCommand.Settings>
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
        [DefaultValue("runs/image-mar")]
        public override string Run { get; init; } = "runs/image-mar";

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
        [Description("Encoder and decoder width")]
        [DefaultValue(128)]
        public int Dim { get; init; } = 128;

        [CommandOption("--depth")]
        [Description("Encoder blocks (the decoder has as many)")]
        [DefaultValue(4)]
        public int Depth { get; init; } = 4;

        [CommandOption("--heads")]
        [Description("Attention heads")]
        [DefaultValue(4)]
        public int Heads { get; init; } = 4;

        [CommandOption("--head-depth")]
        [Description("Residual blocks of the diffusion head")]
        [DefaultValue(3)]
        public int HeadDepth { get; init; } = 3;

        [CommandOption("--head-width")]
        [Description("Width of the diffusion head")]
        [DefaultValue(256)]
        public int HeadWidth { get; init; } = 256;

        [CommandOption("--text-length")]
        [Description("Caption tokens (the buffer size)")]
        [DefaultValue(24)]
        public int TextLength { get; init; } = 24;

        [CommandOption("--ema")]
        [Description("EMA decay of the weights (MAR: 0.9999; shorter runs want less)")]
        [DefaultValue(0.999)]
        public double Ema { get; init; } = 0.999;

        [CommandOption("--sampling-max-timestep")]
        [Description("Largest timestep the exported model's fixed-step head sampler starts from (0: all 1000, as MAR; see MarConfig)")]
        [DefaultValue(950)]
        public int SamplingMaxTimestep { get; init; } = 950;

        [CommandOption("--until")]
        [Description("Stop after this step (a checkpoint is written; the same command without --until continues)")]
        public long? Until { get; init; }

        [CommandOption("--out")]
        [Description("Write the model folder (EMA weights, fp16) here at the end")]
        public string? Out { get; init; }

        public override ValidationResult Validate()
        {
            if (Samples <= 0 || Dim <= 0 || Depth <= 0 || Heads <= 0 || HeadDepth <= 0 || HeadWidth <= 0 || TextLength <= 0 || Patch <= 0)
                return ValidationResult.Error("Sizes must be positive.");
            if (Ema is < 0 or >= 1) return ValidationResult.Error("--ema must lie in [0, 1).");
            if (SamplingMaxTimestep is < 0 or > 999) return ValidationResult.Error("--sampling-max-timestep must lie in 0..999 (0: all timesteps).");
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
        var config = new MarConfig
        {
            ImgSize = 64, VaeStride = vae.Config.DownsampleFactor, PatchSize = settings.Patch, VaeEmbedDim = vae.Config.EmbedDim,
            EncoderEmbedDim = settings.Dim, EncoderDepth = settings.Depth, EncoderNumHeads = settings.Heads,
            DecoderEmbedDim = settings.Dim, DecoderDepth = settings.Depth, DecoderNumHeads = settings.Heads,
            BufferSize = settings.TextLength, CaptionGpt2Ids = vocabulary.Gpt2Ids.ToArray(),
            DifflossD = settings.HeadDepth, DifflossW = settings.HeadWidth, VaeSha256 = vaeSha,
            SamplingMaxTimestep = settings.SamplingMaxTimestep > 0 ? settings.SamplingMaxTimestep : null,
        };
        try { config.Validate(); }
        catch (ArgumentException e) { AnsiConsole.MarkupLine($"[red]{Markup.Escape(e.Message)}[/]"); return 2; }
        // The run pins the architecture; the sampler's start timestep only travels with the exported model.
        settings.PinRunConfig(MarCheckpoint.ConfigFile, (config with { SamplingMaxTimestep = null }).ToJson());

        var schedule = settings.Schedule("images") with { WeightDecay = 0.02, MaxGradNorm = 1.0, EmaDecay = settings.Ema > 0 ? settings.Ema : null };
        AnsiConsole.MarkupLine($"encoding {settings.Samples:N0} training scenes with [bold]{Markup.Escape(settings.Vae)}[/] (cached in the run folder)");
        using var training = new MarTraining(new MarTrainingOptions { Config = config, Samples = settings.Samples, Batch = settings.Batch, DataSeed = (ulong)settings.DataSeed },
            schedule, vae, vaeSha, device);
        settings.AnnounceStart(training.Trainer.ResumedFromStep, $"{config.SeqLen} tokens of {config.TokenEmbedDim} values, "
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
