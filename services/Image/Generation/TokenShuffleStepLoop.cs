using Media.Modeling.Serving;
using Media.Modeling.Transformers;
using Media.Services.Image.TokenShuffle;

namespace Media.Services.Image.Generation;

/// <summary>
/// One <see cref="TokenShuffleModel"/> served by the shared <see cref="StepScheduler"/> on its own thread, so concurrent
/// requests decode in one batch (a CFG pair is one unit): what the `token-shuffle` and `d-ar` generators share. A request's
/// windows come back in order through <see cref="SampleAsync"/>; cancelling stops it at the next step.
/// </summary>
public sealed class TokenShuffleStepLoop : IDisposable
{
    readonly StepSchedulerThread steps;

    /// <summary>Serves <paramref name="model"/> (takes ownership) for up to <paramref name="maxConcurrent"/> CFG pairs at once.</summary>
    public TokenShuffleStepLoop(TokenShuffleModel model, int maxConcurrent)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxConcurrent);
        Model = model;
        Conditioning = new CaptionConditioning(model.Config);
        steps = new StepSchedulerThread(model.Transformer, model.Transformer.CreateCache(2 * maxConcurrent),
            tokenBudget: 2 * maxConcurrent + 2 * model.Config.ConditionLength);
    }

    /// <summary>The model it serves.</summary>
    public TokenShuffleModel Model { get; }

    /// <summary>The model's caption encoding.</summary>
    public CaptionConditioning Conditioning { get; }

    /// <summary>
    /// Submits <paramref name="request"/> and yields each window (index, codes) as it is sampled. Ends with an
    /// <see cref="OperationCanceledException"/> when the request was cancelled; a reader that stops early or fails
    /// cancels the request.
    /// </summary>
    public IAsyncEnumerable<(int Index, long[] Codes)> SampleAsync(TokenShuffleRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        return steps.RunAsync<(int Index, long[] Codes)>(request, report => request.WindowSampled += (index, codes) => report((index, codes)), "image", cancellationToken);
    }

    /// <summary>Stops the step loop and frees the model and the cache.</summary>
    public void Dispose()
    {
        steps.Dispose();
        Model.Dispose();
    }
}
