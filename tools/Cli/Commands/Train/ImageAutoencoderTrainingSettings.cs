using System.ComponentModel;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Media.Cli.Commands.Train;

/// <summary>What the convolutional image autoencoder trainers (`image-vq`, `image-vae`) share: the encoder's width and depth, and the EMA decay.</summary>
internal abstract class ImageAutoencoderTrainingSettings : ImageTrainingSettings
{
    [CommandOption("--channels")]
    [Description("Base channel width (a multiple of 32)")]
    [DefaultValue(32)]
    public int Channels { get; init; } = 32;

    [CommandOption("--res-blocks")]
    [Description("ResBlocks per encoder level (the decoder has one more)")]
    [DefaultValue(1)]
    public int ResBlocks { get; init; } = 1;

    [CommandOption("--ema")]
    [Description("EMA decay of the weights (0: no EMA)")]
    [DefaultValue(0.0)]
    public double Ema { get; init; }

    public override ValidationResult Validate() =>
        Ema is < 0 or >= 1 ? ValidationResult.Error("--ema must lie in [0, 1).") : base.Validate();
}
