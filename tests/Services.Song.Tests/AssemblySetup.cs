// One libtorch thread for the whole assembly, and the serial collection for tests that must run alone (see SingleThreadedTorch).
[assembly: TestFramework(SingleThreadedTorch.TypeName, SingleThreadedTorch.AssemblyName)]

namespace Media.Services.Song.Tests;

[CollectionDefinition(SingleThreadedTorch.Name, DisableParallelization = true)]
public sealed class SingleThreadedTorchDefinition;
