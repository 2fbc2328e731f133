using Media.Modeling.Transformers;

namespace Media.Modeling.Serving;

/// <summary>
/// A <see cref="StepScheduler"/> over a decoder and its <see cref="KvCache"/>, stepping on a thread of its own until
/// disposed: what every served autoregressive model (Token-Shuffle, D-AR, SongGen) runs its requests on. Owns the cache.
/// </summary>
public sealed class StepSchedulerThread : IDisposable
{
    readonly KvCache cache;
    readonly CancellationTokenSource stop = new();
    readonly Task loop;

    /// <summary>Starts stepping <paramref name="transformer"/> over <paramref name="cache"/> (owned from now on) under <paramref name="tokenBudget"/>.</summary>
    public StepSchedulerThread(DecoderTransformer transformer, KvCache cache, int tokenBudget)
    {
        ArgumentNullException.ThrowIfNull(transformer);
        this.cache = cache ?? throw new ArgumentNullException(nameof(cache));
        Scheduler = new StepScheduler(transformer, cache, tokenBudget);
        loop = Scheduler.RunAsync(stop.Token);
    }

    /// <summary>The scheduler (submit, cancel, metrics).</summary>
    public StepScheduler Scheduler { get; }

    /// <summary>Submits <paramref name="request"/> and streams what it reports (<see cref="StepReports.RunAsync{T}"/>).</summary>
    public IAsyncEnumerable<T> RunAsync<T>(GenerationRequest request, Action<Action<T>> subscribe, string what, CancellationToken cancellationToken) =>
        StepReports.RunAsync(Scheduler, request, subscribe, what, cancellationToken);

    /// <summary>Stops the loop (it ends by cancellation) and frees the scheduler and the cache.</summary>
    public void Dispose()
    {
        stop.Cancel();
        try { loop.GetAwaiter().GetResult(); }
        catch (OperationCanceledException) { }
        Scheduler.Dispose();
        cache.Dispose();
        stop.Dispose();
    }
}
