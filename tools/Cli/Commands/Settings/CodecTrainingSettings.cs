using System.ComponentModel;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Media.Cli.Commands.Settings;

/// <summary>
/// What the codec's trainers (<c>train codec</c>, <c>train codec-decoder</c>) share: the corpus they read (espeak-ng speech
/// and procedural music) and how a run is stopped before its schedule ends.
/// </summary>
internal abstract class CodecTrainingSettings : TrainingRunSettings
{
    [CommandOption("--corpus")]
    [Description("Folder of the espeak-ng speech corpus cache")]
    [DefaultValue("data/corpora")]
    public string Corpus { get; init; } = "data/corpora";

    [CommandOption("--utterances")]
    [Description("Speech corpus size (train + held-out)")]
    [DefaultValue(600)]
    public int Utterances { get; init; } = 600;

    [CommandOption("--music-clips")]
    [Description("Procedural music clips (4 s) in the training set")]
    [DefaultValue(64)]
    public int MusicClips { get; init; } = 64;

    [CommandOption("--minutes")]
    [Description("Stop (with a checkpoint) after this many minutes of this invocation; 0 = no limit")]
    [DefaultValue(0.0)]
    public double Minutes { get; init; }

    [CommandOption("--until")]
    [Description("Stop after this step (a checkpoint and the export are written; the same command without --until continues)")]
    public long? Until { get; init; }

    public override ValidationResult Validate()
    {
        if (Minutes < 0) return ValidationResult.Error("--minutes must be 0 or positive.");
        if (UntilError(Until) is { } untilError) return untilError;
        if (Utterances < 1 || MusicClips < 0) return ValidationResult.Error("--utterances must be positive and --music-clips not negative.");
        return base.Validate();
    }
}
