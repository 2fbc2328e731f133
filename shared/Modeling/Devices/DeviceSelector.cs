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

    /// <summary>Applies the options' thread count (<see cref="ThreadsFor"/>), the process's malloc settings (<see cref="NativeHeap"/>) and its <see cref="FinalizerGate"/>, and returns the selected device.</summary>
    public static torch.Device Apply(TorchOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.Threads < 0) throw new ArgumentException("Media:Torch:Threads must be 0 (one per worker) or positive.", nameof(options));
        NativeHeap.Configure();
        FinalizerGate.Start();
        torch.set_num_threads(ThreadsFor(options));
        return Resolve(options.Device);
    }

    /// <summary>
    /// The intra-op thread count the options ask for: the configured count, or one thread per worker when it is 0.
    /// libtorch's own default (one per physical core, per process) lets every worker and every process on the machine
    /// claim all cores; on a shared box that oversubscribes them and a decode step waits for descheduled threads.
    /// </summary>
    public static int ThreadsFor(TorchOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return options.Threads > 0 ? options.Threads : 1;
    }

    /// <summary>Parses <c>float32</c>, <c>bfloat16</c> or <c>float16</c> (also <c>fp32</c>, <c>bf16</c>, <c>fp16</c>; case-insensitive); anything else throws.</summary>
    public static torch.ScalarType ParseDtype(string? name) => (name ?? "").Trim().ToLowerInvariant() switch
    {
        "" or "float32" or "fp32" or "float" => torch.ScalarType.Float32,
        "bfloat16" or "bf16" => torch.ScalarType.BFloat16,
        "float16" or "fp16" or "half" => torch.ScalarType.Float16,
        _ => throw new ArgumentException($"Unknown dtype '{name}': use float32, bfloat16 or float16 (CUDA only).", nameof(name)),
    };

    /// <summary>The decoders' dtype on <paramref name="device"/>: float16 is refused on the CPU, where libtorch has no fast half kernels.</summary>
    public static torch.ScalarType ResolveDtype(string? name, torch.Device device)
    {
        ArgumentNullException.ThrowIfNull(device);
        var dtype = ParseDtype(name);
        if (dtype == torch.ScalarType.Float16 && device.type != DeviceType.CUDA)
            throw new ArgumentException("Media:Torch:Dtype float16 runs on CUDA only; use bfloat16 on the CPU.", nameof(name));
        return dtype;
    }
}
