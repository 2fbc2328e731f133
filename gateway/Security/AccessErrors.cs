namespace Media.Gateway.Security;

/// <summary>
/// Refusals written outside the endpoints (authentication, rate limits, origin checks), in the shape of
/// the route that was called: OpenAI's error JSON under <c>/v1</c>, problem+json everywhere else.
/// </summary>
internal static class AccessErrors
{
    public static async Task WriteAsync(HttpContext context, int status, string code, string title, string message)
    {
        context.Response.StatusCode = status;
        if (context.Request.Path.StartsWithSegments("/v1"))
        {
            // Only a rate limit is worth the SDK's automatic retry.
            if (status != StatusCodes.Status429TooManyRequests) context.Response.Headers["x-should-retry"] = "false";
            string type = status == StatusCodes.Status429TooManyRequests ? "rate_limit_error" : "invalid_request_error";
            await context.Response.WriteAsJsonAsync(new { error = new { message, type, param = (string?)null, code } }, context.RequestAborted);
            return;
        }
        var problems = context.RequestServices.GetRequiredService<IProblemDetailsService>();
        await problems.WriteAsync(new ProblemDetailsContext
        {
            HttpContext = context,
            ProblemDetails = { Status = status, Title = title, Detail = message, Extensions = { ["code"] = code } },
        });
    }
}
