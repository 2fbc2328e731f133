using System.Globalization;
using System.Security.Claims;
using System.Text.Encodings.Web;
using Media.Hosting.Keys;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace Media.Gateway.Security;

/// <summary>
/// Authenticates <c>Authorization: Bearer &lt;token&gt;</c>, as OpenAI's SDKs send it. On the hub the token may
/// come as <c>access_token</c> in the query instead, because browsers cannot set headers on a WebSocket.
/// No token: no identity (the policies decide whether that is enough). An unknown or revoked token fails.
/// </summary>
internal sealed class ApiKeyAuthenticationHandler(IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder,
    ApiKeyService keys, IOptions<KeyOptions> keyOptions)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "ApiKey";

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        string? token = null;
        string? header = Request.Headers.Authorization;
        if (header is not null)
        {
            if (!header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase)) return AuthenticateResult.Fail("The Authorization header must be 'Bearer <API key>'.");
            token = header["Bearer ".Length..].Trim();
        }
        else if (Request.Path.StartsWithSegments(Hubs.MediaHub.Path))
        {
            token = Request.Query["access_token"];
        }
        if (string.IsNullOrEmpty(token)) return AuthenticateResult.NoResult();

        var key = await keys.AuthenticateAsync(token, Context.RequestAborted);
        if (key is null) return AuthenticateResult.Fail("The API key is not valid (unknown or revoked).");

        var defaults = keyOptions.Value;
        var claims = new List<Claim>
        {
            new(ClaimTypes.NameIdentifier, key.Id),
            new(ClaimTypes.Name, key.Name),
            new(CallerClaims.RequestsPerMinute, Number(key.RequestsPerMinute ?? defaults.RequestsPerMinute)),
            new(CallerClaims.MaxActiveJobs, Number(key.MaxActiveJobs ?? defaults.MaxActiveJobs)),
            new(CallerClaims.MaxQueuedJobs, Number(key.MaxQueuedJobs ?? defaults.MaxQueuedJobs)),
        };
        claims.AddRange(key.Scopes.Select(s => new Claim(CallerClaims.Scope, s)));
        var identity = new ClaimsIdentity(claims, SchemeName);
        return AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), SchemeName));
    }

    protected override async Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        var result = await HandleAuthenticateOnceSafeAsync();
        Response.Headers.WWWAuthenticate = "Bearer";
        string message = result.Failure?.Message ?? "An API key is required: send 'Authorization: Bearer <API key>' (create one with `media keys create`).";
        await AccessErrors.WriteAsync(Context, StatusCodes.Status401Unauthorized, "invalid_api_key", "Unauthorized", message);
    }

    protected override Task HandleForbiddenAsync(AuthenticationProperties properties) =>
        AccessErrors.WriteAsync(Context, StatusCodes.Status403Forbidden, "insufficient_scope", "Forbidden",
            "This API key does not have the scope this request needs.");

    static string Number(int value) => value.ToString(CultureInfo.InvariantCulture);
}
