namespace Media.Modeling.Devices;

/// <summary>Where models run, bound from configuration section <c>Media:Torch</c>.</summary>
public sealed class TorchOptions
{
    public const string Section = "Media:Torch";

    /// <summary><c>cpu</c>, <c>cuda</c> or <c>cuda:N</c>.</summary>
    public string Device { get; set; } = "cpu";

    /// <summary>
    /// Intra-op threads for CPU kernels; 0 (the default) means one per worker. libtorch's own default is one per
    /// physical core in every process, which on a machine shared by workers or other processes oversubscribes the
    /// cores (see docs/BENCHMARKS.md); set it to the cores a single worker owns to give it more.
    /// </summary>
    public int Threads { get; set; }

    /// <summary>
    /// Precision of the autoregressive decoders' weights and KV cache: <c>float32</c> (default), <c>bfloat16</c>, or
    /// <c>float16</c> (CUDA only). Norms, RoPE, guidance and sampling stay in float32.
    /// </summary>
    public string Dtype { get; set; } = "float32";
}
