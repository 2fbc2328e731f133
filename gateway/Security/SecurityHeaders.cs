using Microsoft.AspNetCore.StaticFiles;

namespace Media.Gateway.Security;

/// <summary>Response headers that keep browsers from misusing the gateway's answers and pages.</summary>
internal static class SecurityHeaders
{
    /// <summary>
    /// The web app's policy: its own scripts, styles and fetch/WebSocket calls only; previews are blob: URLs,
    /// images also data: ones; no plugins, no framing, no foreign form targets. The pages have no inline
    /// script or style, so nothing needs 'unsafe-inline'.
    /// </summary>
    public const string ContentSecurityPolicy =
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' blob: data:; media-src 'self' blob:; " +
        "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

    /// <summary>On every answer: no MIME sniffing, no referrer, no framing.</summary>
    public static IApplicationBuilder UseSecurityHeaders(this IApplicationBuilder app) => app.Use((context, next) =>
    {
        var headers = context.Response.Headers;
        headers.XContentTypeOptions = "nosniff";
        headers["Referrer-Policy"] = "no-referrer";
        headers.XFrameOptions = "DENY";
        return next(context);
    });

    /// <summary>The web app's files get the content security policy (the API and /scalar keep their own).</summary>
    public static void OnWebAppFile(StaticFileResponseContext file)
    {
        file.Context.Response.Headers.ContentSecurityPolicy = ContentSecurityPolicy;
    }
}
