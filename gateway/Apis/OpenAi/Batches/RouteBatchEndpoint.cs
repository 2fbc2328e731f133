using System.Text.Json;
using Media.Hosting.Batches;
using Media.Hosting.Jobs;

namespace Media.Gateway.Apis.OpenAi.Batches;

/// <summary>What the batch endpoints of the OpenAI routes share: refusals in the route's own error shape, with the route's field names.</summary>
internal abstract class RouteBatchEndpoint : IBatchEndpoint
{
    public abstract string Url { get; }

    public abstract BatchLinePlan Plan(JsonElement body, string owner);

    public abstract Task<JsonElement> RespondAsync(JsonElement body, IReadOnlyList<Job> jobs, Batch batch, CancellationToken cancellationToken);

    /// <summary>The route's name for a job parameter (the route's own ParamName).</summary>
    protected abstract string ParamName(string jobParameter);

    public BatchLineFailure Refused(JobRejectedException rejected)
    {
        var (status, error) = OpenAiError.Of(rejected, ParamName);
        return error.ToBatchFailure(status);
    }

    /// <summary>A 400 for one field, as the route answers a field it cannot take.</summary>
    protected static BatchLinePlan Invalid(string param, string message) =>
        BatchLinePlan.Refuse(new OpenAiError(message, OpenAiError.InvalidRequest, param, null).ToBatchFailure(StatusCodes.Status400BadRequest));
}
