using static TorchSharp.torch;

namespace Media.Tokenizers.Tests.Image;

/// <summary>
/// VQ tests run their small models alone on one intra-op thread: on a loaded shared CPU libtorch's
/// thread pool makes such small convolutions many times slower, and the tests seed torch's global
/// generator, which no other test may draw from meanwhile. The previous thread count is restored.
/// </summary>
[CollectionDefinition(nameof(SingleThreadedTorch), DisableParallelization = true)]
public sealed class SingleThreadedTorch : IDisposable, ICollectionFixture<SingleThreadedTorch>
{
    readonly int previous = get_num_threads();

    public SingleThreadedTorch() => set_num_threads(1);

    public void Dispose() => set_num_threads(previous);
}
