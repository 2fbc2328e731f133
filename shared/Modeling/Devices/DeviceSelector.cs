using System.Globalization;
using TorchSharp;

namespace Media.Modeling.Devices;

/// <summary>A parsed device name: the type and, for CUDA, an optional ordinal.</summary>
public sealed record DeviceSpec(DeviceType Type, int Index)
{
    public override string ToString() => Type == DeviceType.CPU ? "cpu" : Index < 0 ? "cuda" : $"cuda:{Index}";
}

/// <summary>Turns configuration into a TorchSharp device, with errors a person can act on.</summary>
public static class DeviceSelector
{
    /// <summary>Parses <c>cpu</c>, <c>cuda</c> or <c>cuda:N</c> (case-insensitive); anything else throws.</summary>
    public static DeviceSpec Parse(string? name)
    {
        string text = (name ?? "").Trim().ToLowerInvariant();
        if (text is "" or "cpu") return new DeviceSpec(DeviceType.CPU, -1);
        if (text == "cuda") return new DeviceSpec(DeviceType.CUDA, -1);
        if (text.StartsWith("cuda:", StringComparison.Ordinal)
            && int.TryParse(text.AsSpan(5), NumberStyles.None, CultureInfo.InvariantCulture, out int index))
            return new DeviceSpec(DeviceType.CUDA, index);
        throw new ArgumentException($"Unknown device '{name}': use cpu, cuda or cuda:N.", nameof(name));
    }

    /// <summary>Resolves a device name against what this process's libtorch can reach.</summary>
    public static torch.Device Resolve(string? name)
    {
        var spec = Parse(name);
        // Every model load passes here: the first one silences libtorch's per-convolution NNPACK warning (see Nnpack).
        Nnpack.Disable();
        if (spec.Type == DeviceType.CPU) return torch.CPU;
        if (!torch.cuda.is_available())
            throw new InvalidOperationException(
                $"Device '{spec}' was requested but CUDA is not available to this build (it uses libtorch {TorchRuntime.LibraryFlavour}); "
                + "build with -p:TorchLibrary=cuda on a GPU host or configure Media:Torch:Device=cpu.");
        int count = torch.cuda.device_count();
        if (spec.Index >= count)
            throw new InvalidOperationException($"Device '{spec}' was requested but only {count} CUDA device(s) exist.");
        return spec.Index < 0 ? torch.CUDA : new torch.Device(DeviceType.CUDA, spec.Index);
    }

    /// <summary>Applies the options' thread count and returns the selected device.</summary>
    public static torch.Device Apply(TorchOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.Threads < 0) throw new ArgumentException("Media:Torch:Threads must be 0 (default) or positive.", nameof(options));
        if (options.Threads > 0) torch.set_num_threads(options.Threads);
        return Resolve(options.Device);
    }
}
