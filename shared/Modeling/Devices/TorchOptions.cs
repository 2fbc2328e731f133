namespace Media.Modeling.Devices;

/// <summary>Where models run, bound from configuration section <c>Media:Torch</c>.</summary>
public sealed class TorchOptions
{
    public const string Section = "Media:Torch";

    /// <summary><c>cpu</c>, <c>cuda</c> or <c>cuda:N</c>.</summary>
    public string Device { get; set; } = "cpu";

    /// <summary>Intra-op threads for CPU kernels; 0 keeps libtorch's default (one per core).</summary>
    public int Threads { get; set; }
}
