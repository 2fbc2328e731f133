using System.ComponentModel;
using Spectre.Console.Cli;

namespace Media.Cli.Commands.Settings;

/// <summary>Options of the commands that run a model for one job or one measurement (generate, codec, bench): libtorch's own thread count by default.</summary>
internal abstract class InferenceSettings : TorchSettings
{
    [CommandOption("--threads")]
    [Description("libtorch intra-op threads (0 = libtorch's default)")]
    [DefaultValue(0)]
    public override int Threads { get; init; }
}
