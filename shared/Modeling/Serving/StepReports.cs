using System.Runtime.CompilerServices;
using System.Threading.Channels;

namespace Media.Modeling.Serving;

/// <summary>
/// Streams what one request reports while a <see cref="StepScheduler"/> running on its own thread steps it (an image's
/// token windows, a song's steps): the request is submitted, each report is passed on in order, and a reader that stops
/// early, fails or is cancelled cancels the request at the next step boundary and returns once it has left the scheduler
/// (so the request's own tensors can be freed then). What every served model's step loop shares.
/// </summary>
public static class StepReports
{
    /// <summary>
    /// Submits <paramref name="request"/> to <paramref name="scheduler"/> and yields every item <paramref name="subscribe"/>
    /// hands it (called once, with the callback to raise on the scheduler's thread). Ends with an
    /// <see cref="OperationCanceledException"/> naming <paramref name="what"/> when the request was cancelled.
    /// </summary>
    public static async IAsyncEnumerable<T> RunAsync<T>(StepScheduler scheduler, GenerationRequest request, Action<Action<T>> subscribe, string what,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(scheduler);
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(subscribe);
        var landed = Channel.CreateUnbounded<T>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
        subscribe(item => landed.Writer.TryWrite(item));
        _ = request.Completion.ContinueWith(t => landed.Writer.TryComplete(t.Exception?.InnerException), TaskScheduler.Default);

        cancellationToken.ThrowIfCancellationRequested();
        using var registration = cancellationToken.Register(() => scheduler.Cancel(request.Id));
        scheduler.Submit(request);
        bool read = false;
        try
        {
            await foreach (var item in landed.Reader.ReadAllAsync(CancellationToken.None).ConfigureAwait(false))
            {
                // The step loop may run ahead of this reader: a cancelled request reports nothing after the cancel,
                // even what was already made.
                cancellationToken.ThrowIfCancellationRequested();
                yield return item;
            }
            read = true;
        }
        finally
        {
            if (!read)
            {
                scheduler.Cancel(request.Id);
                // It may be in the middle of a step on the scheduler's thread: return only once it has left (the cancel takes
                // effect at the next step boundary, and a stopping loop cancels everything), so the caller can free what it holds.
                await request.Completion.ContinueWith(static _ => { }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default)
                    .ConfigureAwait(false);
            }
        }
        var status = await request.Completion.ConfigureAwait(false);
        if (status == RequestStatus.Cancelled || cancellationToken.IsCancellationRequested)
            throw new OperationCanceledException($"The {what} request was cancelled.", cancellationToken);
    }
}
