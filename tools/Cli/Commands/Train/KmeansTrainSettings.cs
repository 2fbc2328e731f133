using System.ComponentModel;
using Media.Cli.Commands.Settings;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Media.Cli.Commands.Train;

/// <summary>The options both k-means audio tokenizers train with (acoustic over log-mel, semantic over recognizer states).</summary>
internal abstract class KmeansTrainSettings : TorchSettings
{
    [CommandOption("-k|--clusters")]
    [Description("Number of tokens")]
    [DefaultValue(256)]
    public int K { get; init; } = 256;

    [CommandOption("--iterations")]
    [Description("Lloyd iterations after k-means++ seeding")]
    [DefaultValue(25)]
    public int Iterations { get; init; } = 25;

    [CommandOption("--frames")]
    [Description("At most this many frames (a seeded random subset) are clustered")]
    [DefaultValue(60000)]
    public int Frames { get; init; } = 60000;

    [CommandOption("--corpus")]
    [DefaultValue("data/corpora")]
    public string Corpus { get; init; } = "data/corpora";

    [CommandOption("--utterances")]
    [Description("Corpus utterances planned (seed 1); their training split is clustered")]
    [DefaultValue(600)]
    public int Utterances { get; init; } = 600;

    [CommandOption("--seed")]
    [DefaultValue(1L)]
    public long Seed { get; init; } = 1;

    [CommandOption("--threads")]
    [DefaultValue(1)]
    public override int Threads { get; init; } = 1;

    public override ValidationResult Validate() =>
        K < 2 ? ValidationResult.Error("-k must be at least 2.")
        : Iterations < 0 ? ValidationResult.Error("--iterations must not be negative.")
        : Frames < K ? ValidationResult.Error("--frames must be at least k.")
        : base.Validate();
}
