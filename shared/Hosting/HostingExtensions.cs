using Media.Hosting.Models;
using Media.Modeling.Devices;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Media.Hosting;

public static class HostingExtensions
{
    /// <summary>Options, the data folder and the model catalog shared by the gateway and the workers.</summary>
    public static IHostApplicationBuilder AddMediaHosting(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddOptions<MediaOptions>().BindConfiguration(MediaOptions.Section);
        builder.Services.AddOptions<TorchOptions>().BindConfiguration(TorchOptions.Section)
            .Validate(o => TryParse(o.Device), "Media:Torch:Device must be cpu, cuda or cuda:N")
            .Validate(o => o.Threads >= 0, "Media:Torch:Threads must be 0 (default) or positive")
            .ValidateOnStart();
        builder.Services.AddSingleton<ModelCatalog>();
        return builder;
    }

    /// <summary>Registers a model slot a service family can serve.</summary>
    public static IServiceCollection AddModelSlot(this IServiceCollection services, ModelSlot slot) =>
        services.AddSingleton(slot);

    static bool TryParse(string device)
    {
        try { DeviceSelector.Parse(device); return true; }
        catch (ArgumentException) { return false; }
    }
}
