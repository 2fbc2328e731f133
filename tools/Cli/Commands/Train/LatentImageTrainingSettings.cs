using System.ComponentModel;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Media.Cli.Commands.Train;

/// <summary>
/// What the trainers over the KL autoencoder's latents (`image-mar`, `image-ldm`) share: the run's length and batch, the VAE and
/// the scenes it encodes once into the run folder, the latent patch, the model's width, depth, heads and caption length (each
/// trainer declares those with its own defaults), the EMA decay, <c>--until</c> and <c>--out</c>.
/// </summary>
internal abstract class LatentImageTrainingSettings : ImageTrainingSettings
{
    [CommandOption("--steps")]
    [Description("Optimizer steps of the whole run")]
    [DefaultValue(4000L)]
    public override long Steps { get; init; } = 4000;

    [CommandOption("--batch")]
    [Description("Scenes per step")]
    [DefaultValue(32)]
    public override int Batch { get; init; } = 32;

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

    [CommandOption("--until")]
    [Description("Stop after this step (a checkpoint is written; the same command without --until continues)")]
    public long? Until { get; init; }

    [CommandOption("--out")]
    [Description("Write the model folder (EMA weights, fp16) here at the end")]
    public string? Out { get; init; }

    /// <summary>The model's width.</summary>
    public abstract int Dim { get; init; }

    /// <summary>The model's blocks.</summary>
    public abstract int Depth { get; init; }

    /// <summary>Attention heads.</summary>
    public abstract int Heads { get; init; }

    /// <summary>Caption tokens the model reads.</summary>
    public abstract int TextLength { get; init; }

    /// <summary>EMA decay of the weights (0: none).</summary>
    public abstract double Ema { get; init; }

    public override ValidationResult Validate()
    {
        if (Samples <= 0 || Dim <= 0 || Depth <= 0 || Heads <= 0 || TextLength <= 0 || Patch <= 0)
            return ValidationResult.Error("Sizes must be positive.");
        if (Ema is < 0 or >= 1) return ValidationResult.Error("--ema must lie in [0, 1).");
        if (UntilError(Until) is { } untilError) return untilError;
        return base.Validate();
    }
}
