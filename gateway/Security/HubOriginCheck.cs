using Microsoft.Extensions.Options;

namespace Media.Gateway.Security;

/// <summary>
/// Refuses (403) a hub request — negotiate, WebSocket upgrade, long polling — that a browser sends from a
/// page of another origin. WebSockets are not covered by CORS, so without this any web page a user
/// visits could drive the hub with the user's access. Requests without an Origin (SDKs, servers) pass.
/// </summary>
internal sealed class HubOriginCheck(RequestDelegate next, IOptionsMonitor<CorsSettings> cors)
{
    public async Task InvokeAsync(HttpContext context)
    {
        string? origin = context.Request.Headers.Origin;
        if (origin is not null && !IsAllowed(origin, context.Request, cors.CurrentValue.AllowedOrigins))
        {
            await AccessErrors.WriteAsync(context, StatusCodes.Status403Forbidden, "origin_not_allowed", "Origin not allowed",
                $"The origin '{origin}' may not use the hub; allow it in Media:Cors:AllowedOrigins.");
            return;
        }
        await next(context);
    }

    /// <summary>The gateway's own pages (same host and port), or an origin named in the configuration.</summary>
    internal static bool IsAllowed(string origin, HttpRequest request, IEnumerable<string> allowed)
    {
        if (allowed.Any(a => string.Equals(a.TrimEnd('/'), origin, StringComparison.OrdinalIgnoreCase))) return true;
        return Uri.TryCreate(origin, UriKind.Absolute, out var uri)
            && string.Equals(uri.Authority, request.Host.Value, StringComparison.OrdinalIgnoreCase)
            && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps);
    }
}
