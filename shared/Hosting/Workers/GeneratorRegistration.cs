namespace Media.Hosting.Workers;

/// <summary>
/// How to make the generator of one model. The factory runs on the first job for the model (models
/// load lazily), not at start; it may load a checkpoint, so it is asynchronous and cancellable.
/// </summary>
public sealed record GeneratorRegistration(string ModelId, Func<IServiceProvider, CancellationToken, ValueTask<IGenerator>> Factory);
