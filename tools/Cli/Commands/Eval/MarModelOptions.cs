using System.ComponentModel;
using Media.Cli.Commands.Settings;
using Media.Services.Image.Generation;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Media.Cli.Commands.Eval;

/// <summary>Where the MAR model and its KL autoencoder are read from, and how it samples.</summary>
internal class MarModelOptions : InferenceSettings
{
    [CommandOption("--mar")]
    [Description("MAR model folder")]
    [DefaultValue("models/mar")]
    public string Mar { get; init; } = Path.Combine("models", MarGenerator.ModelFolder);

    [CommandOption("--vae")]
    [Description("KL autoencoder folder the model was trained on")]
    [DefaultValue("models/image-vae")]
    public string Vae { get; init; } = Path.Combine("models", MarGenerator.VaeFolder);

    [CommandOption("--iterations")]
    [Description("MAR's AR iterations N")]
    [DefaultValue(16)]
    public int Iterations { get; init; } = 16;

    [CommandOption("--mar-cfg")]
    [Description("MAR's guidance scale (linear on the mask ratio)")]
    [DefaultValue(MarRequest.DefaultGuidance)]
    public double MarCfg { get; init; } = MarRequest.DefaultGuidance;

    [CommandOption("--mar-temperature")]
    [Description("Temperature of MAR's diffusion head")]
    [DefaultValue(1.0)]
    public double MarTemperature { get; init; } = 1.0;

    [CommandOption("--batch")]
    [Description("Images sampled together")]
    [DefaultValue(8)]
    public int Batch { get; init; } = 8;

    public override ValidationResult Validate() =>
        Iterations < 1 || Batch < 1 ? ValidationResult.Error("--iterations and --batch must be positive.") : base.Validate();
}
