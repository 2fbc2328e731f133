using static TorchSharp.torch;

namespace Media.Services.Audio.Tests.Ardit;

/// <summary>Tests that run the model use one libtorch thread (fast on a loaded machine) and never run in parallel.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class SingleThreadedTorch : ICollectionFixture<SingleThreadedTorch>, IDisposable
{
    public const string Name = "ardit single-threaded torch";
    readonly int previous = get_num_threads();

    public SingleThreadedTorch() => set_num_threads(1);

    public void Dispose() => set_num_threads(previous);
}
