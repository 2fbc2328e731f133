using Media.Modeling.Serving;

namespace Media.Services.Song.LeVo.Generation;

/// <summary>
/// One <see cref="LeLmModel"/> served by the shared <see cref="StepScheduler"/> on its own thread: concurrent songs run the
/// main LM in one batch (a CFG pair is one unit), each with its own sub-decoder cache. <see cref="StepsAsync"/> yields a
/// request's step indices as they land; cancelling stops it at the next step.
/// </summary>
public sealed class LeVoStepLoop : IDisposable
{
    readonly StepSchedulerThread steps;

    /// <summary>
    /// Serves <paramref name="model"/> (takes ownership) for up to <paramref name="maxConcurrent"/> songs (CFG pairs) at once;
    /// each step prefills at most <paramref name="prefillBudget"/> prefix positions of newcomers beside the running songs.
    /// </summary>
    public LeVoStepLoop(LeLmModel model, int maxConcurrent, int prefillBudget = 256)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(prefillBudget, 2);
        ArgumentNullException.ThrowIfNull(model);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxConcurrent);
        Model = model;
        // Decode rows take one position each; what is left of the budget prefills a newcomer's condition prefix in chunks.
        steps = new StepSchedulerThread(model.Main, model.Main.CreateCache(2 * maxConcurrent), tokenBudget: 2 * maxConcurrent + prefillBudget);
    }

    /// <summary>The model.</summary>
    public LeLmModel Model { get; }

    /// <summary>Submits <paramref name="request"/> and yields each step index as it lands; ends with an <see cref="OperationCanceledException"/> when cancelled.</summary>
    public IAsyncEnumerable<int> StepsAsync(LeVoRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        return steps.RunAsync<int>(request, report => request.StepDone += report, "song", cancellationToken);
    }

    /// <summary>Stops the loop and frees the model and the cache.</summary>
    public void Dispose()
    {
        steps.Dispose();
        Model.Dispose();
    }
}
