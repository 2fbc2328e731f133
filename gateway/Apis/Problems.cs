using System.Text.Json;
using Media.Hosting.Jobs;

namespace Media.Gateway.Apis;

/// <summary>The gateway's error answers, all application/problem+json.</summary>
internal static class Problems
{
    public static IResult From(JobRejectedException rejected, HttpContext context) => rejected.Rejection switch
    {
        JobRejection.Invalid => TypedResults.ValidationProblem(rejected.Errors.ToDictionary(), title: "The request has invalid fields"),
        JobRejection.UnknownModel => Problem(StatusCodes.Status404NotFound, "Model not found", rejected.Message),
        JobRejection.ModelNotReady => Problem(StatusCodes.Status409Conflict, "Model not ready", rejected.Message),
        JobRejection.IdempotencyConflict => Problem(StatusCodes.Status409Conflict, "Idempotency-Key reused", rejected.Message),
        JobRejection.QueueFull => TooMany(rejected, context, "Queue full"),
        JobRejection.QuotaExceeded => TooMany(rejected, context, "Job quota reached"),
        _ => Problem(StatusCodes.Status400BadRequest, "Rejected", rejected.Message),
    };

    public static IResult Problem(int status, string title, string detail) =>
        TypedResults.Problem(detail, statusCode: status, title: title);

    public static IResult NotFound(string what, string id) =>
        Problem(StatusCodes.Status404NotFound, $"{what} not found", $"No {what.ToLowerInvariant()} with id '{id}'.");

    public static IResult Invalid(string field, string error) =>
        TypedResults.ValidationProblem(new Dictionary<string, string[]> { [field] = [error] }, title: "The request has invalid fields");

    static IResult TooMany(JobRejectedException rejected, HttpContext context, string title)
    {
        int seconds = (int)Math.Ceiling((rejected.RetryAfter ?? TimeSpan.FromSeconds(1)).TotalSeconds);
        context.Response.Headers.RetryAfter = seconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return Problem(StatusCodes.Status429TooManyRequests, title, rejected.Message);
    }

    /// <summary>
    /// Reads a request body of at most <paramref name="maxBytes"/> (413 above it). The limit is checked
    /// while reading, so a body without a Content-Length cannot get past it either.
    /// </summary>
    public static async Task<(byte[]? Body, IResult? Error)> ReadBodyAsync(HttpRequest request, int maxBytes, CancellationToken cancellationToken)
    {
        IResult TooLarge() => Problem(StatusCodes.Status413PayloadTooLarge, "Request too large", $"The body may be at most {maxBytes} bytes.");
        if (request.ContentLength > maxBytes) return (null, TooLarge());
        using var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        int read;
        while ((read = await request.Body.ReadAsync(chunk, cancellationToken)) > 0)
        {
            if (buffer.Length + read > maxBytes) return (null, TooLarge());
            buffer.Write(chunk, 0, read);
        }
        return (buffer.ToArray(), null);
    }

    /// <summary>A JSON body (Content-Type application/json), parsed; 415, 413 or 400 otherwise.</summary>
    public static async Task<(JsonDocument? Document, IResult? Error)> ReadJsonAsync(HttpRequest request, int maxBytes, CancellationToken cancellationToken)
    {
        if (!request.HasJsonContentType())
            return (null, Problem(StatusCodes.Status415UnsupportedMediaType, "Unsupported media type", "Send the request as application/json."));
        var (body, error) = await ReadBodyAsync(request, maxBytes, cancellationToken);
        if (error is not null) return (null, error);
        try
        {
            var document = JsonDocument.Parse(body!, new JsonDocumentOptions { MaxDepth = 16 });
            if (JsonText.FindMalformed(document.RootElement) is not { } malformed) return (document, null);
            document.Dispose();
            return (null, Invalid(malformed, JsonText.Problem));
        }
        catch (JsonException ex)
        {
            return (null, Invalid("body", $"is not valid JSON: {ex.Message}"));
        }
    }
}
