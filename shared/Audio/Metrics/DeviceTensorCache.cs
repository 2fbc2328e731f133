using TorchSharp;
using static TorchSharp.torch;

namespace Media.Audio.Metrics;

/// <summary>
/// Constant tensors (windows, filterbanks) made once per device and kept out of every dispose scope,
/// so a front end works on whatever device its input lives on without re-uploading per call.
/// </summary>
public sealed class DeviceTensorCache : IDisposable
{
    readonly Dictionary<(string Device, string Name), Tensor> tensors = [];
    readonly Lock gate = new();

    /// <summary>The tensor <paramref name="name"/> on <paramref name="device"/>, made by <paramref name="create"/> the first time.</summary>
    public Tensor Get(Device device, string name, Func<Device, Tensor> create)
    {
        lock (gate)
        {
            var key = (device.ToString(), name);
            if (!tensors.TryGetValue(key, out var tensor))
            {
                using (NewDisposeScope())
                {
                    tensor = create(device).DetachFromDisposeScope();
                }
                tensors[key] = tensor;
            }
            return tensor;
        }
    }

    /// <summary>Frees every cached tensor.</summary>
    public void Dispose()
    {
        lock (gate)
        {
            foreach (var tensor in tensors.Values) tensor.Dispose();
            tensors.Clear();
        }
    }
}
