using System.Net.ServerSentEvents;
using System.Runtime.CompilerServices;

namespace Media.Gateway.Apis;

/// <summary>
/// Keeps a server-sent event stream open through proxies while nothing happens (a job waiting in its queue, a model
/// loading): when no event arrives for the interval, an SSE comment line (<c>: heartbeat</c>) goes out, which every
/// client ignores. The events themselves are written by <c>TypedResults.ServerSentEvents</c>; the comment is written
/// to the response between two of its items, while it waits for the next one, so the two never interleave.
/// </summary>
internal static class SseHeartbeats
{
    static readonly byte[] Comment = ": heartbeat\n\n"u8.ToArray();

    public static async IAsyncEnumerable<SseItem<T>> WithHeartbeats<T>(this IAsyncEnumerable<SseItem<T>> items, HttpResponse response, TimeSpan interval,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(items);
        ArgumentNullException.ThrowIfNull(response);
        var enumerator = items.GetAsyncEnumerator(cancellationToken);
        Task<bool>? next = null;
        try
        {
            while (true)
            {
                next = enumerator.MoveNextAsync().AsTask();
                while (!next.IsCompleted)
                {
                    using var wait = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                    var delay = Task.Delay(interval, wait.Token);
                    if (await Task.WhenAny(next, delay).ConfigureAwait(false) == next)
                    {
                        await wait.CancelAsync().ConfigureAwait(false);
                        break;
                    }
                    cancellationToken.ThrowIfCancellationRequested();
                    await response.Body.WriteAsync(Comment, cancellationToken).ConfigureAwait(false);
                    await response.Body.FlushAsync(cancellationToken).ConfigureAwait(false);
                }
                if (!await next.ConfigureAwait(false)) yield break;
                next = null;
                yield return enumerator.Current;
            }
        }
        finally
        {
            // An enumerator is disposed only once its pending step has finished (it ends with the same token).
            if (next is { IsCompleted: false })
                try { await next.ConfigureAwait(false); } catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException) { }
            await enumerator.DisposeAsync().ConfigureAwait(false);
        }
    }
}
