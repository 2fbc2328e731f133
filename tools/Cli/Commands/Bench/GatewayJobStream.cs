using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using System.Text.Json;

namespace Media.Cli.Commands.Bench;

/// <summary>One server-sent event of a job: its type, its data line, and when this client read it.</summary>
internal sealed record JobStreamEvent(string Type, string Data, DateTimeOffset Received)
{
    /// <summary>The event's sequence number (its SSE id); -1 when the stream gave none.</summary>
    public long Id { get; init; } = -1;

    /// <summary>The gateway's <c>at</c> stamp in the event's data.</summary>
    public DateTimeOffset Stamp()
    {
        using var data = JsonDocument.Parse(Data);
        return data.RootElement.GetProperty("at").GetDateTimeOffset();
    }
}

/// <summary>What the in-process gateway benchmarks share: a free loopback port, submitting a job, reading its SSE stream.</summary>
internal static class GatewayJobStream
{
    /// <summary>A loopback port nothing listens on now.</summary>
    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>Posts <paramref name="body"/> to <c>/api/jobs</c> and returns the job id; a refusal throws, naming <paramref name="what"/>.</summary>
    public static async Task<string> SubmitAsync(HttpClient client, object body, string what, CancellationToken cancellationToken)
    {
        using var submitted = await client.PostAsJsonAsync("/api/jobs", body, cancellationToken).ConfigureAwait(false);
        if (submitted.StatusCode != HttpStatusCode.Accepted)
            throw new InvalidOperationException($"The gateway refused {what} ({(int)submitted.StatusCode}): {await submitted.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false)}");
        using var job = JsonDocument.Parse(await submitted.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false));
        return job.RootElement.GetProperty("id").GetString()!;
    }

    /// <summary>The job's events from <c>/api/jobs/{id}/events</c>, in order, until the stream ends or the caller stops.</summary>
    public static async IAsyncEnumerable<JobStreamEvent> EventsAsync(HttpClient client, string id, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/api/jobs/{id}/events");
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
        using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
        response.EnsureSuccessStatusCode();
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false));
        string? type = null, data = null;
        long sequence = -1;
        // An event ends at its blank line (the id may follow the data).
        while (await reader.ReadLineAsync(cancellationToken).ConfigureAwait(false) is { } line)
        {
            if (line.Length == 0)
            {
                if (type is not null && data is not null) yield return new JobStreamEvent(type, data, DateTimeOffset.UtcNow) { Id = sequence };
                (type, data, sequence) = (null, null, -1);
            }
            else if (line.StartsWith("id: ", StringComparison.Ordinal)) sequence = long.Parse(line[4..], System.Globalization.CultureInfo.InvariantCulture);
            else if (line.StartsWith("event: ", StringComparison.Ordinal)) type = line[7..];
            else if (line.StartsWith("data: ", StringComparison.Ordinal)) data = line[6..];
        }
    }
}
