using System.Text.Json;
using Media.Hosting.Artifacts;
using Media.Hosting.Jobs;

namespace Media.Gateway.Apis;

/// <summary>A job as the REST API shows it, with the links to follow.</summary>
internal sealed record JobView(
    string Id, string Kind, string Model, string Family, JobStatus Status, JobPriority Priority, JsonElement Parameters,
    DateTimeOffset CreatedAt, DateTimeOffset? StartedAt, DateTimeOffset? FinishedAt, string? FailureReason,
    IReadOnlyList<ArtifactLink> Artifacts, int? QueuePosition, string EventsUrl, string? BatchId, string? CustomId)
{
    public static JobView Of(Job job, int? queuePosition) => new(
        job.Id, job.Kind, job.Model, job.Family, job.Status, job.Priority, job.Parameters, job.CreatedAt, job.StartedAt, job.FinishedAt,
        job.FailureReason, job.Artifacts.Select(a => new ArtifactLink(a, ArtifactRoutes.Url(a))).ToList(), queuePosition,
        $"/api/jobs/{job.Id}/events", job.BatchId, job.CustomId);
}

internal sealed record ArtifactLink(string Id, string Url);

internal sealed record JobList(IReadOnlyList<JobView> Data, bool HasMore, string? LastId);
