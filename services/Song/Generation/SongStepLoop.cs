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
    readonly StepSchedulerThread steps;

    /// <summary>Serves <paramref name="model"/> (takes ownership) for up to <paramref name="maxConcurrent"/> songs (CFG pairs) at once.</summary>
    public SongStepLoop(SongGenModel model, int maxConcurrent)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxConcurrent);
        Model = model;
        Head = new SongHead(model);
        var config = model.Config;
        int memory = (config.ReferenceVoice ? config.MaxReferenceFrames : 0) + config.MaxDescriptionBytes + config.MaxLyricsTokens;
        steps = new StepSchedulerThread(model.Decoder.Transformer, model.Decoder.Transformer.CreateCache(2 * maxConcurrent, memoryLength: memory),
            tokenBudget: 2 * maxConcurrent);
    }

    /// <summary>The model.</summary>
    public SongGenModel Model { get; }

    /// <summary>The readout and embedding every request of this model shares.</summary>
    public SongHead Head { get; }

    /// <summary>Submits <paramref name="request"/> and yields each step index as it lands; ends with an <see cref="OperationCanceledException"/> when cancelled.</summary>
    public IAsyncEnumerable<int> StepsAsync(SongRequest request, CancellationToken cancellationToken)
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
