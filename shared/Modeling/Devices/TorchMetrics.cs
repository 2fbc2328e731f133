using System.Diagnostics.Metrics;
using TorchSharp;

namespace Media.Modeling.Devices;

/// <summary>
/// libtorch's live objects as instruments (meter <c>Media.Torch</c>): tensors that exist now (created and not yet
/// disposed or finalized, every thread together) and the most that ever existed at once. A count that only grows while
/// the same work repeats is a leak; <c>media bench soak</c> reads it from the gateway's <c>/metrics</c>.
/// </summary>
public sealed class TorchMetrics
{
    public const string MeterName = "Media.Torch";

    public TorchMetrics(IMeterFactory meters)
    {
        ArgumentNullException.ThrowIfNull(meters);
        var meter = meters.Create(MeterName);
        meter.CreateObservableGauge("media.torch.live_tensors", () => LiveTensors, unit: "{tensor}",
            description: "TorchSharp tensors alive now (created, not yet disposed or finalized).");
        meter.CreateObservableGauge("media.torch.peak_tensors", () => torch.Tensor.PeakCount, unit: "{tensor}",
            description: "The most TorchSharp tensors alive at once since the process started.");
    }

    /// <summary>Tensors alive now, in this process.</summary>
    public static long LiveTensors => torch.Tensor.TotalCount;
}
