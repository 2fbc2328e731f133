using System.Threading.Channels;

namespace Media.Services.Audio;

/// <summary>
/// Model work on threads of its own, not the thread pool's. A synthesis or a codec call blocks its thread for seconds;
/// on the pool (two threads on a 2-core machine) that left the gateway's request, SSE and SignalR continuations waiting
/// for the pool to inject threads, up to a second at a time: the soak's p99 event latency (issue 22).
/// </summary>
internal static class ModelThreads
{
    /// <summary>Runs <paramref name="work"/> on a dedicated thread.</summary>
    public static Task<T> RunAsync<T>(Func<T> work, CancellationToken cancellationToken) =>
        Task.Factory.StartNew(work, cancellationToken, TaskCreationOptions.LongRunning, TaskScheduler.Default);

    /// <summary>
    /// Enumerates <paramref name="items"/> (each step runs the model) on one dedicated thread, at most
    /// <paramref name="ahead"/> items ahead of the reader, and hands them over as they come.
    /// </summary>
    public static async IAsyncEnumerable<T> StreamAsync<T>(IEnumerable<T> items, int ahead,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var channel = Channel.CreateBounded<T>(new BoundedChannelOptions(ahead) { SingleReader = true, SingleWriter = true });
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var producer = RunAsync(() =>
        {
            try
            {
                foreach (var item in items)
                {
                    // Blocking is the point: this thread is the model's, and waits while the reader is behind.
                    if (!channel.Writer.WaitToWriteAsync(stop.Token).AsTask().GetAwaiter().GetResult()) break;
                    channel.Writer.TryWrite(item);
                }
                channel.Writer.TryComplete();
            }
            catch (Exception ex) { channel.Writer.TryComplete(ex); }
            return true;
        }, CancellationToken.None);
        try
        {
            await foreach (var item in channel.Reader.ReadAllAsync(cancellationToken).ConfigureAwait(false)) yield return item;
        }
        finally
        {
            await stop.CancelAsync().ConfigureAwait(false);
            await producer.ConfigureAwait(false);
        }
    }
}
