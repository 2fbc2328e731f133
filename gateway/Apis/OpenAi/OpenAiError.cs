using System.Text.Json.Serialization;
using Media.Hosting.Batches;
using Media.Hosting.Jobs;

namespace Media.Gateway.Apis.OpenAi;

/// <summary>An error as OpenAI's API writes it: <c>{"error":{"message","type","param","code"}}</c>.</summary>
internal sealed record OpenAiError(
    [property: JsonPropertyName("message")] string Message,
    [property: JsonPropertyName("type")] string Type,
    [property: JsonPropertyName("param")] string? Param,
    [property: JsonPropertyName("code")] string? Code)
{
    public const string InvalidRequest = "invalid_request_error";
    public const string ServerError = "server_error";

    /// <summary>The error as a response. Only a full queue is worth an automatic retry, so every other
    /// answer tells the official SDKs not to retry (<c>x-should-retry: false</c>; they retry 409 and 5xx by default).</summary>
    public IResult ToResult(int status, HttpContext context, TimeSpan? retryAfter = null)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (retryAfter is { } wait)
            context.Response.Headers.RetryAfter = ((int)Math.Ceiling(wait.TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture);
        else
            context.Response.Headers["x-should-retry"] = "false";
        return TypedResults.Json(new Envelope(this), statusCode: status);
    }

    public static IResult Invalid(HttpContext context, string? param, string message, string? code = null) =>
        new OpenAiError(message, InvalidRequest, param, code).ToResult(StatusCodes.Status400BadRequest, context);

    /// <summary>A refused job submission, with the job parameter names mapped back to the route's own.</summary>
    public static IResult FromRejection(HttpContext context, JobRejectedException rejected, Func<string, string> paramName)
    {
        var (status, error) = Of(rejected, paramName);
        return error.ToResult(status, context, status == StatusCodes.Status429TooManyRequests ? rejected.RetryAfter ?? TimeSpan.FromSeconds(1) : null);
    }

    /// <summary>The status and error a refused job submission is answered with (a route's answer, or a batch line's).</summary>
    public static (int Status, OpenAiError Error) Of(JobRejectedException rejected, Func<string, string> paramName)
    {
        ArgumentNullException.ThrowIfNull(rejected);
        ArgumentNullException.ThrowIfNull(paramName);
        switch (rejected.Rejection)
        {
            case JobRejection.Invalid:
                var (field, errors) = rejected.Errors.First();
                string name = paramName(field.StartsWith("parameters.", StringComparison.Ordinal) ? field["parameters.".Length..] : field);
                return (StatusCodes.Status400BadRequest, new OpenAiError($"Invalid '{name}': {string.Join("; ", errors)}.", InvalidRequest, name, null));
            case JobRejection.UnknownModel:
                return (StatusCodes.Status404NotFound, new OpenAiError(rejected.Message, InvalidRequest, "model", "model_not_found"));
            case JobRejection.ModelNotReady:
                return (StatusCodes.Status409Conflict, new OpenAiError(rejected.Message, InvalidRequest, "model", "model_not_ready"));
            case JobRejection.QueueFull:
                return (StatusCodes.Status429TooManyRequests, new OpenAiError(rejected.Message, "rate_limit_error", null, "queue_full"));
            case JobRejection.QuotaExceeded:
                return (StatusCodes.Status429TooManyRequests, new OpenAiError(rejected.Message, "rate_limit_error", null, "quota_exceeded"));
            default:
                return (StatusCodes.Status400BadRequest, new OpenAiError(rejected.Message, InvalidRequest, null, null));
        }
    }

    /// <summary>This error as the answer of one line of a batch (its error file).</summary>
    public BatchLineFailure ToBatchFailure(int status) => new(status, Type, Code, Message, Param);

    /// <summary>OpenAI's answer for an id that names nothing: 404 "No such File object: file-…".</summary>
    public static IResult NotFound(HttpContext context, string what, string id) =>
        new OpenAiError($"No such {what} object: {id}", InvalidRequest, "id", null).ToResult(StatusCodes.Status404NotFound, context);

    /// <summary>The JSON body of an error response, and the data of an SSE <c>error</c> event.</summary>
    internal sealed record Envelope([property: JsonPropertyName("error")] OpenAiError Error)
    {
        [JsonPropertyName("type")]
        [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
        public string? EventType { get; init; }
    }
}
