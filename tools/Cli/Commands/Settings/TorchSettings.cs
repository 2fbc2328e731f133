using System.ComponentModel;
using Media.Modeling.Devices;
using Spectre.Console;
using Spectre.Console.Cli;
using TorchSharp;

namespace Media.Cli.Commands.Settings;

/// <summary>
/// Where a command runs its models: <c>--device</c>, <c>--dtype</c>, and <c>--threads</c>, which subclasses declare because
/// its default and help differ and Spectre reads both from the declaring property. A thread count of 0 means one
/// intra-op thread (<see cref="DeviceSelector.ThreadsFor"/>): libtorch's own default claims every core and thrashes on a shared machine.
/// </summary>
internal abstract class TorchSettings : CommandSettings
{
    [CommandOption("--device")]
    [Description("cpu, cuda or cuda:N")]
    [DefaultValue("cpu")]
    public string Device { get; init; } = "cpu";

    [CommandOption("--dtype")]
    [Description("Precision of the autoregressive decoders (weights and KV cache): float32, bfloat16, or float16 on CUDA")]
    [DefaultValue("float32")]
    public string Dtype { get; init; } = "float32";

    /// <summary>libtorch intra-op threads; 0 means one.</summary>
    public abstract int Threads { get; init; }

    /// <summary>Sets the thread count and resolves the device (a clear error when this build cannot reach it).</summary>
    public torch.Device ApplyTorch() => DeviceSelector.Apply(new TorchOptions { Device = Device, Threads = Threads, Dtype = Dtype });

    /// <summary>The decoders' dtype on <paramref name="device"/> (float16 only on CUDA).</summary>
    public torch.ScalarType DecoderDtype(torch.Device device) => DeviceSelector.ResolveDtype(Dtype, device);

    public override ValidationResult Validate()
    {
        if (Threads < 0) return ValidationResult.Error("--threads must be 0 (one thread) or positive.");
        try
        {
            DeviceSelector.ParseDtype(Dtype);
            return ValidationResult.Success();
        }
        catch (ArgumentException ex)
        {
            return ValidationResult.Error(ex.Message);
        }
    }
}
