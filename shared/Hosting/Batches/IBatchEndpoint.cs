using System.Text.Json;
using Media.Hosting.Jobs;

namespace Media.Hosting.Batches;

/// <summary>
/// An OpenAI route that batch lines can name as their <c>url</c> (<c>/v1/images/generations</c>, ...):
/// the service that serves the route turns a line's <c>body</c> into jobs exactly as the route does, and
/// the finished jobs into the body the route would have answered.
/// </summary>
public interface IBatchEndpoint
{
    /// <summary>The route, as lines and <c>/v1/batches</c> name it.</summary>
    string Url { get; }

    /// <summary>The jobs one request body asks for (submitted in order), or why the route would refuse it.</summary>
    BatchLinePlan Plan(JsonElement body, string owner);

    /// <summary>What the route answers when the job service refuses one of the jobs.</summary>
    BatchLineFailure Refused(JobRejectedException rejected);

    /// <summary>The route's answer for a request whose jobs all succeeded (in the order they were planned).</summary>
    Task<JsonElement> RespondAsync(JsonElement body, IReadOnlyList<Job> jobs, Batch batch, CancellationToken cancellationToken);
}

/// <summary>Either the jobs of a request or the route's refusal.</summary>
public sealed record BatchLinePlan(IReadOnlyList<JobSubmission> Jobs, BatchLineFailure? Failure = null)
{
    public static BatchLinePlan Refuse(BatchLineFailure failure) => new([], failure);
}

/// <summary>An error answer: HTTP status, OpenAI error type, code, message and the field it concerns.</summary>
public sealed record BatchLineFailure(int StatusCode, string Type, string? Code, string Message, string? Param = null);
