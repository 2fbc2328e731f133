using System.ComponentModel;
using Media.Services.Audio.Speech.Ardit;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Media.Cli.Commands.Train;

/// <summary><c>media train tts</c>: the speech training options plus where text tokens sit and an optional warm start.</summary>
internal sealed class TrainTtsSettings : SpeechTrainSettings
{
    [CommandOption("--text-timing")]
    [Description("aligned: characters at the frames the CTC recognizer (models/asr-ctc) hears them, with a timing predictor; uniform: at a uniform rate")]
    [DefaultValue(ArditConfig.Aligned)]
    public string TextTiming { get; init; } = ArditConfig.Aligned;

    [CommandOption("--init")]
    [Description("A trained ardit-tts folder whose weights start a new run (parts it lacks, such as the timing predictor, start fresh)")]
    public string? Init { get; init; }

    [CommandOption("--fill-in-middle")]
    [Description("Share of training rows (0..1) that keep a random suffix of their latents as context, ARDiT's editing recipe: the voice then fills a span to fit both sides")]
    [DefaultValue(0.0)]
    public double FillInMiddle { get; init; }

    public override ValidationResult Validate() =>
        TextTiming is not (ArditConfig.Aligned or ArditConfig.Uniform)
            ? ValidationResult.Error($"--text-timing must be {ArditConfig.Aligned} or {ArditConfig.Uniform}, not \"{TextTiming}\".")
            : FillInMiddle is < 0 or > 1 ? ValidationResult.Error($"--fill-in-middle is a share of rows, 0..1, not {FillInMiddle}.")
            : base.Validate();
}
