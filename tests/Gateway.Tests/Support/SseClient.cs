using System.Net.Http.Headers;
using System.Text.Json;

namespace Media.Gateway.Tests;

/// <summary>One server-sent event as it came over the wire.</summary>
public sealed record SseEvent(long Id, string Type, JsonElement Data);

/// <summary>A plain text/event-stream reader (the format parsed by hand, independent of the server's writer).</summary>
public static class SseClient
{
    /// <summary>Reads the job's events until the stream ends or <paramref name="stopAfter"/> events were read (then disconnects).</summary>
    public static Task<List<SseEvent>> ReadAsync(HttpClient client, string jobId, long? lastEventId = null, int stopAfter = int.MaxValue) =>
        ReadAsync(client, jobId, lastEventId, stopAfter, TimeSpan.FromSeconds(20), null);

    /// <summary>
    /// As <see cref="ReadAsync(HttpClient, string, long?, int)"/>, within <paramref name="timeout"/>, telling <paramref name="seen"/>
    /// about each event as it arrives; what was read before the stream broke is kept in <paramref name="into"/>.
    /// </summary>
    public static async Task<List<SseEvent>> ReadAsync(HttpClient client, string jobId, long? lastEventId, int stopAfter, TimeSpan timeout,
        Action<SseEvent>? seen, List<SseEvent>? into = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/api/jobs/{jobId}/events");
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
        if (lastEventId is { } last) request.Headers.Add("Last-Event-ID", last.ToString(System.Globalization.CultureInfo.InvariantCulture));
        using var deadline = new CancellationTokenSource(timeout);
        using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, deadline.Token);
        response.EnsureSuccessStatusCode();
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        await using var stream = await response.Content.ReadAsStreamAsync(deadline.Token);
        using var reader = new StreamReader(stream);
        var events = into ?? [];
        long? id = null;
        string? type = null;
        string? data = null;
        while (events.Count < stopAfter && await reader.ReadLineAsync(deadline.Token) is { } line)
        {
            if (line.Length == 0)
            {
                if (data is not null)
                {
                    var e = new SseEvent(id ?? -1, type ?? "message", JsonDocument.Parse(data).RootElement.Clone());
                    events.Add(e);
                    seen?.Invoke(e);
                }
                (id, type, data) = (null, null, null);
            }
            else if (line.StartsWith("id: ", StringComparison.Ordinal)) id = long.Parse(line[4..], System.Globalization.CultureInfo.InvariantCulture);
            else if (line.StartsWith("event: ", StringComparison.Ordinal)) type = line[7..];
            else if (line.StartsWith("data: ", StringComparison.Ordinal)) data = data is null ? line[6..] : data + "\n" + line[6..];
        }
        return events;
    }
}
