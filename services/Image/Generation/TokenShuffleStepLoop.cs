using System.Runtime.CompilerServices;
using System.Threading.Channels;
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
    readonly KvCache cache;
    readonly StepScheduler scheduler;
    readonly CancellationTokenSource stop = new();
    readonly Task loop;

    /// <summary>Serves <paramref name="model"/> (takes ownership) for up to <paramref name="maxConcurrent"/> CFG pairs at once.</summary>
    public TokenShuffleStepLoop(TokenShuffleModel model, int maxConcurrent)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxConcurrent);
        Model = model;
        Conditioning = new CaptionConditioning(model.Config);
        cache = model.Transformer.CreateCache(2 * maxConcurrent);
        scheduler = new StepScheduler(model.Transformer, cache, tokenBudget: 2 * maxConcurrent + 2 * model.Config.ConditionLength);
        loop = scheduler.RunAsync(stop.Token);
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
    public async IAsyncEnumerable<(int Index, long[] Codes)> SampleAsync(TokenShuffleRequest request, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var landed = Channel.CreateUnbounded<(int Index, long[] Codes)>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
        request.WindowSampled += (index, codes) => landed.Writer.TryWrite((index, codes));
        _ = request.Completion.ContinueWith(t => landed.Writer.TryComplete(t.Exception?.InnerException), TaskScheduler.Default);

        cancellationToken.ThrowIfCancellationRequested();
        using var registration = cancellationToken.Register(() => scheduler.Cancel(request.Id));
        scheduler.Submit(request);
        bool read = false;
        try
        {
            await foreach (var window in landed.Reader.ReadAllAsync(CancellationToken.None).ConfigureAwait(false))
            {
                // The step loop may run ahead of this reader: a cancelled request reports no window after the cancel,
                // even one that was already sampled.
                cancellationToken.ThrowIfCancellationRequested();
                yield return window;
            }
            read = true;
        }
        finally
        {
            if (!read) scheduler.Cancel(request.Id);
        }
        var status = await request.Completion.ConfigureAwait(false);
        if (status == RequestStatus.Cancelled || cancellationToken.IsCancellationRequested)
            throw new OperationCanceledException("The image request was cancelled.", cancellationToken);
    }

    /// <summary>Stops the step loop and frees the model and the cache.</summary>
    public void Dispose()
    {
        stop.Cancel();
        try
        {
            loop.Wait();
        }
        catch (AggregateException e) when (e.InnerExceptions.All(x => x is OperationCanceledException))
        {
            // The loop ends by cancellation.
        }
        scheduler.Dispose();
        cache.Dispose();
        Model.Dispose();
        stop.Dispose();
    }
}
