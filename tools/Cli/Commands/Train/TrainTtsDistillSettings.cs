using System.ComponentModel;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Media.Cli.Commands.Train;

/// <summary><c>media train tts-distill</c>: the speech training options plus the teacher voice and the block size distilled.</summary>
internal sealed class TrainTtsDistillSettings : SpeechTrainSettings
{
    [CommandOption("--teacher")]
    [Description("The trained ARDiT voice folder to distil (default: <models>/ardit-tts); the student and the fake score start from its weights")]
    public string? Teacher { get; init; }

    [CommandOption("--block-size")]
    [Description("Latent frames per AR step the student makes (default: the teacher's configured B); one of the teacher's trained block sizes")]
    public int? BlockSize { get; init; }

    public override ValidationResult Validate() =>
        BlockSize is < 1 ? ValidationResult.Error("--block-size must be positive.") : base.Validate();
}
