using System.Net.ServerSentEvents;
using System.Text.Json;
using Media.Hosting.Artifacts;
using Media.Hosting.Jobs;
using Media.Hosting.Models;
using Media.Hosting.Workers;

namespace Media.Gateway.Apis.OpenAi;

/// <summary>
/// What the OpenAI routes share: they submit ordinary jobs through <see cref="JobService"/> and relay
/// the jobs' events. A job belongs to its request: when the caller goes away first, the job is cancelled.
/// </summary>
internal static class JobRelay
{
    /// <summary>The model a request names, or without a name the first model that serves the kind and can
    /// run (else the first that serves it, whose submission then says honestly why it cannot).</summary>
    public static string? ModelFor(string kind, string? requested, ModelCatalog catalog)
    {
        if (requested is not null) return requested;
        var serving = catalog.List().Where(m => m.Kinds.Contains(kind, StringComparer.Ordinal)).ToList();
        var ready = serving.FirstOrDefault(m => catalog.CanServe(m));
        return (ready ?? serving.FirstOrDefault())?.Id;
    }

    /// <summary>Follows the job to its end and returns it as it finished.</summary>
    public static async Task<Job> WaitAsync(JobService jobs, string id, CancellationToken cancellationToken)
    {
        await foreach (var _ in jobs.Events.ReadAsync(id, 0, cancellationToken)) { }
        return await jobs.GetAsync(id, cancellationToken) ?? throw new KeyNotFoundException($"Job '{id}' disappeared.");
    }

    /// <summary>Cancels jobs whose caller left; a finished job stays as it is.</summary>
    public static async Task CancelAsync(JobService jobs, IEnumerable<string> ids)
    {
        foreach (string id in ids)
        {
            try { await jobs.CancelAsync(id, CancellationToken.None); }
            catch (KeyNotFoundException) { }
        }
    }

    public static async Task<byte[]> ReadArtifactAsync(IArtifactStore artifacts, string id, CancellationToken cancellationToken)
    {
        await using var stream = await artifacts.OpenReadAsync(id, cancellationToken)
            ?? throw new InvalidOperationException($"Artifact '{id}' is missing from the store.");
        using var copy = new MemoryStream();
        await stream.CopyToAsync(copy, cancellationToken);
        return copy.ToArray();
    }

    /// <summary>The absolute URL of an artifact as seen by the caller.</summary>
    public static string AbsoluteUrl(HttpRequest request, string artifactId) =>
        $"{request.Scheme}://{request.Host}{request.PathBase}{ArtifactRoutes.Url(artifactId)}";

    /// <summary>Why a job did not succeed, for an error message.</summary>
    public static string Reason(Job job) => job.Status switch
    {
        JobStatus.Failed => $"Generation failed: {job.FailureReason ?? "no reason recorded"}",
        JobStatus.Cancelled => $"The job was cancelled: {job.FailureReason ?? "by request"}",
        _ => $"The job ended as {job.Status.ToString().ToLowerInvariant()}",
    };

    /// <summary>One server-sent event of OpenAI's: its type as the SSE event name, its JSON (this API's naming) as the data.</summary>
    public static SseItem<string> Event<T>(string name, T data, JsonSerializerOptions json) => new(JsonSerializer.Serialize(data, json), name);

    /// <summary>
    /// Sends <paramref name="events"/> as text/event-stream through <c>TypedResults.ServerSentEvents</c>, with heartbeat
    /// comments while the job waits (see <see cref="SseHeartbeats"/>); proxies are told not to buffer it.
    /// </summary>
    public static Task StreamEventsAsync(HttpContext context, IAsyncEnumerable<SseItem<string>> events, TimeSpan heartbeat)
    {
        context.Response.Headers["X-Accel-Buffering"] = "no";
        return TypedResults.ServerSentEvents(events.WithHeartbeats(context.Response, heartbeat, context.RequestAborted)).ExecuteAsync(context);
    }

    /// <summary>The error event OpenAI's SDKs raise as an APIError when it arrives on a stream.</summary>
    public static OpenAiError.Envelope ErrorEvent(string message, string code) =>
        new(new OpenAiError(message, OpenAiError.ServerError, null, code)) { EventType = "error" };
}
