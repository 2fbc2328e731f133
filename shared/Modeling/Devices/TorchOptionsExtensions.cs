using Microsoft.Extensions.DependencyInjection;

namespace Media.Modeling.Devices;

public static class TorchOptionsExtensions
{
    /// <summary>
    /// Binds <c>Media:Torch</c> and checks it at start (an unknown device name fails the start with a clear message). Services
    /// call it where they run models; a gateway-only process never does, so it never touches libtorch.
    /// </summary>
    public static IServiceCollection AddTorchOptions(this IServiceCollection services)
    {
        services.AddOptions<TorchOptions>().BindConfiguration(TorchOptions.Section)
            .Validate(o => IsDevice(o.Device), "Media:Torch:Device must be cpu, cuda or cuda:N")
            .Validate(o => o.Threads >= 0, "Media:Torch:Threads must be 0 (one per worker, the default) or positive")
            .Validate(o => IsDtype(o.Dtype), "Media:Torch:Dtype must be float32, bfloat16 or float16")
            .ValidateOnStart();
        return services;
    }

    static bool IsDtype(string dtype)
    {
        try { DeviceSelector.ParseDtype(dtype); return true; }
        catch (ArgumentException) { return false; }
    }

    static bool IsDevice(string device)
    {
        try { DeviceSelector.Parse(device); return true; }
        catch (ArgumentException) { return false; }
    }
}
