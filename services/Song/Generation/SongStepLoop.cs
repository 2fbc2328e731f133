using System.Runtime.CompilerServices;
using System.Threading.Channels;
using Media.Modeling.Serving;
using Media.Modeling.Transformers;
using Media.Services.Song.Model;

namespace Media.Services.Song.Generation;

/// <summary>
/// One <see cref="SongGenModel"/> served by the shared <see cref="StepScheduler"/> on its own thread: concurrent songs decode
/// in one batch (a CFG pair is one unit), each with its memory written to the cache once. <see cref="StepsAsync"/> yields a
/// request's step indices as they land; cancelling stops it at the next step.
/// </summary>
public sealed class SongStepLoop : IDisposable
{
    readonly KvCache cache;
    readonly StepScheduler scheduler;
    readonly CancellationTokenSource stop = new();
    readonly Task loop;

    /// <summary>Serves <paramref name="model"/> (takes ownership) for up to <paramref name="maxConcurrent"/> songs (CFG pairs) at once.</summary>
    public SongStepLoop(SongGenModel model, int maxConcurrent)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxConcurrent);
        Model = model;
        Head = new SongHead(model);
        var config = model.Config;
        int memory = (config.ReferenceVoice ? config.MaxReferenceFrames : 0) + config.MaxDescriptionBytes + config.MaxLyricsTokens;
        cache = model.Decoder.Transformer.CreateCache(2 * maxConcurrent, memoryLength: memory);
        scheduler = new StepScheduler(model.Decoder.Transformer, cache, tokenBudget: 2 * maxConcurrent);
        loop = scheduler.RunAsync(stop.Token);
    }

    /// <summary>The model.</summary>
    public SongGenModel Model { get; }

    /// <summary>The readout and embedding every request of this model shares.</summary>
    public SongHead Head { get; }

    /// <summary>Submits <paramref name="request"/> and yields each step index as it lands; ends with an <see cref="OperationCanceledException"/> when cancelled.</summary>
    public async IAsyncEnumerable<int> StepsAsync(SongRequest request, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var landed = Channel.CreateUnbounded<int>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
        request.StepDone += j => landed.Writer.TryWrite(j);
        _ = request.Completion.ContinueWith(t => landed.Writer.TryComplete(t.Exception?.InnerException), TaskScheduler.Default);
        cancellationToken.ThrowIfCancellationRequested();
        using var registration = cancellationToken.Register(() => scheduler.Cancel(request.Id));
        scheduler.Submit(request);
        bool read = false;
        try
        {
            await foreach (int step in landed.Reader.ReadAllAsync(CancellationToken.None).ConfigureAwait(false))
            {
                cancellationToken.ThrowIfCancellationRequested();
                yield return step;
            }
            read = true;
        }
        finally
        {
            if (!read) scheduler.Cancel(request.Id);
        }
        var status = await request.Completion.ConfigureAwait(false);
        if (status == RequestStatus.Cancelled || cancellationToken.IsCancellationRequested)
            throw new OperationCanceledException("The song request was cancelled.", cancellationToken);
        if (status != RequestStatus.Completed) throw new InvalidOperationException($"The song request ended {status}.");
    }

    /// <summary>Stops the loop and frees the model and the cache.</summary>
    public void Dispose()
    {
        stop.Cancel();
        try { loop.GetAwaiter().GetResult(); }
        catch (OperationCanceledException) { }
        scheduler.Dispose();
        cache.Dispose();
        Model.Dispose();
        stop.Dispose();
    }
}
