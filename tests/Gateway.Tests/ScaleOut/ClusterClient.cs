using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Media.Gateway.Tests.ScaleOut;

/// <summary>What the chaos tests do as a client of several gateways: submit token-shuffle jobs, follow their events as a browser's EventSource would.</summary>
internal static partial class ClusterClient
{
    public const string Model = "token-shuffle";
    public static readonly TimeSpan Patience = TimeSpan.FromMinutes(4);

    public static HttpClient For(Media.LocalCluster.ClusterProcess gateway) => new() { BaseAddress = gateway.Address, Timeout = TimeSpan.FromMinutes(2) };

    public static async Task<string> SubmitAsync(HttpClient gateway, string prompt, int seed)
    {
        using var response = await gateway.PostAsJsonAsync("/api/jobs", new { kind = "image", model = Model, parameters = new { prompt, seed } });
        string body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Accepted, $"submit: {(int)response.StatusCode} {body}");
        return JsonDocument.Parse(body).RootElement.GetProperty("id").GetString()!;
    }

    public static bool IsTerminal(string type) => type is "completed" or "failed" or "cancelled";

    /// <summary>
    /// The job's events from first to terminal, as EventSource gets them: when a stream breaks (a gateway or a server went
    /// away) it reconnects — to the next gateway — with Last-Event-ID, until the terminal event.
    /// </summary>
    public static async Task<List<SseEvent>> FollowAsync(IReadOnlyList<HttpClient> gateways, string id, Action<SseEvent>? seen = null)
    {
        var events = new List<SseEvent>();
        var clock = Stopwatch.StartNew();
        for (int turn = 0; clock.Elapsed < Patience; turn++)
        {
            long? last = events.Count > 0 ? events[^1].Id : null;
            try { await SseClient.ReadAsync(gateways[turn % gateways.Count], id, last, int.MaxValue, Patience - clock.Elapsed, seen, events); }
            catch (Exception ex) when (ex is HttpRequestException or IOException or OperationCanceledException) { }
            if (events.Count > 0 && IsTerminal(events[^1].Type)) return events;
            await Task.Delay(250);
        }
        throw new TimeoutException($"job {id}: no terminal event after {Patience}; got {string.Join(", ", events.Select(e => $"{e.Id}:{e.Type}"))}");
    }

    /// <summary>Every event came once, in order, none missing: the ids are exactly 1..N.</summary>
    public static void AssertGapless(IReadOnlyList<SseEvent> events, string because)
    {
        var ids = events.Select(e => e.Id).ToList();
        Assert.True(ids.SequenceEqual(Enumerable.Range(1, ids.Count).Select(i => (long)i)),
            $"event ids are not 1..{ids.Count}: {string.Join(",", ids)}\n{because}");
    }

    /// <summary>The process id of the worker a started event names ("started by worker HOST-PID-SUFFIX").</summary>
    public static int WorkerProcess(SseEvent started)
    {
        string message = started.Data.GetProperty("message").GetString() ?? "";
        var match = WorkerName().Match(message);
        Assert.True(match.Success, $"the started event does not name its worker: {message}");
        return int.Parse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
    }

    [GeneratedRegex(@"-(\d+)-[0-9a-f]{8}$")]
    private static partial Regex WorkerName();

    public static async Task<JsonElement> GetJobAsync(HttpClient gateway, string id) =>
        await gateway.GetFromJsonAsync<JsonElement>($"/api/jobs/{id}");
}
