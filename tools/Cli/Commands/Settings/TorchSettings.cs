using System.ComponentModel;
using Media.Modeling.Devices;
using Spectre.Console;
using Spectre.Console.Cli;
using TorchSharp;

namespace Media.Cli.Commands.Settings;

/// <summary>
/// Where a command runs its models: <c>--device</c>, and <c>--threads</c>, which subclasses declare because
/// its default and help differ (0, libtorch's own, for one-off commands; 1 for long runs on a shared machine)
/// and Spectre reads both from the declaring property.
/// </summary>
internal abstract class TorchSettings : CommandSettings
{
    [CommandOption("--device")]
    [Description("cpu, cuda or cuda:N")]
    [DefaultValue("cpu")]
    public string Device { get; init; } = "cpu";

    /// <summary>libtorch intra-op threads; 0 keeps libtorch's default.</summary>
    public abstract int Threads { get; init; }

    /// <summary>Sets the thread count and resolves the device (a clear error when this build cannot reach it).</summary>
    public torch.Device ApplyTorch() => DeviceSelector.Apply(new TorchOptions { Device = Device, Threads = Threads });

    public override ValidationResult Validate() =>
        Threads < 0 ? ValidationResult.Error("--threads must be 0 (libtorch's default) or positive.") : ValidationResult.Success();
}
