using System.ComponentModel;
using Spectre.Console.Cli;

namespace Media.Cli.Commands.Settings;

/// <summary>Options of the commands that run a model for one job or one measurement (generate, codec, bench): one intra-op thread unless told.</summary>
internal abstract class InferenceSettings : TorchSettings
{
    [CommandOption("--threads")]
    [Description("libtorch intra-op threads (0 = one; libtorch's own default of one per core thrashes on a shared machine)")]
    [DefaultValue(0)]
    public override int Threads { get; init; }
}
