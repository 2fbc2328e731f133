namespace Media.Modeling.Tests.Diffusion;

/// <summary>Tests that change process-wide libtorch settings (thread count) run alone, after the parallel ones.</summary>
[CollectionDefinition(nameof(SingleThreadedTorch), DisableParallelization = true)]
public sealed class SingleThreadedTorch;
