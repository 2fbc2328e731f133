using System.Text.Json.Serialization;
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
        ArgumentNullException.ThrowIfNull(rejected);
        ArgumentNullException.ThrowIfNull(paramName);
        switch (rejected.Rejection)
        {
            case JobRejection.Invalid:
                var (field, errors) = rejected.Errors.First();
                string name = paramName(field.StartsWith("parameters.", StringComparison.Ordinal) ? field["parameters.".Length..] : field);
                return Invalid(context, name, $"Invalid '{name}': {string.Join("; ", errors)}.");
            case JobRejection.UnknownModel:
                return new OpenAiError(rejected.Message, InvalidRequest, "model", "model_not_found").ToResult(StatusCodes.Status404NotFound, context);
            case JobRejection.ModelNotReady:
                return new OpenAiError(rejected.Message, InvalidRequest, "model", "model_not_ready").ToResult(StatusCodes.Status409Conflict, context);
            case JobRejection.QueueFull:
                return new OpenAiError(rejected.Message, "rate_limit_error", null, "queue_full")
                    .ToResult(StatusCodes.Status429TooManyRequests, context, rejected.RetryAfter ?? TimeSpan.FromSeconds(1));
            case JobRejection.QuotaExceeded:
                return new OpenAiError(rejected.Message, "rate_limit_error", null, "quota_exceeded")
                    .ToResult(StatusCodes.Status429TooManyRequests, context, rejected.RetryAfter ?? TimeSpan.FromSeconds(1));
            default:
                return Invalid(context, null, rejected.Message);
        }
    }

    /// <summary>The JSON body of an error response, and the data of an SSE <c>error</c> event.</summary>
    internal sealed record Envelope([property: JsonPropertyName("error")] OpenAiError Error)
    {
        [JsonPropertyName("type")]
        [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
        public string? EventType { get; init; }
    }
}
