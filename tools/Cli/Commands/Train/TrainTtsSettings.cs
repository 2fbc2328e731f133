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

    public override ValidationResult Validate() =>
        TextTiming is ArditConfig.Aligned or ArditConfig.Uniform
            ? base.Validate()
            : ValidationResult.Error($"--text-timing must be {ArditConfig.Aligned} or {ArditConfig.Uniform}, not \"{TextTiming}\".");
}
