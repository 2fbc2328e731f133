using static TorchSharp.torch;

namespace Media.Modeling.Tests.Training;

/// <summary>
/// Trainer tests compare runs bit for bit and dropout draws from torch's global generator, so they
/// run alone: no other test may draw from that generator meanwhile.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class GlobalRngTests : ICollectionFixture<SingleThreadedTorch>
{
    public const string Name = "Training (global RNG)";
}

/// <summary>
/// Runs the collection's tiny models on one intra-op thread: on a loaded shared CPU, libtorch's
/// thread pool makes these few-kilobyte matmuls about 30x slower (150 ms against 4.5 ms a step, measured).
/// The previous count is restored afterwards.
/// </summary>
public sealed class SingleThreadedTorch : IDisposable
{
    readonly int _previous = get_num_threads();

    public SingleThreadedTorch() => set_num_threads(1);

    public void Dispose() => set_num_threads(_previous);
}
