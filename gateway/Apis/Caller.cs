using System.Security.Claims;
using Media.Gateway.Security;
using Media.Hosting.Jobs;
using Media.Hosting.Keys;
using Microsoft.AspNetCore.Authorization;

namespace Media.Gateway.Apis;

/// <summary>Who is calling: the key's id owns what it makes; without a key (loopback only) the one local owner "anonymous".</summary>
internal static class Caller
{
    public const string Anonymous = "anonymous";

    public static string Owner(ClaimsPrincipal user) =>
        user.Identity?.IsAuthenticated == true && user.FindFirstValue(ClaimTypes.NameIdentifier) is { Length: > 0 } id ? id : Anonymous;

    public static string Owner(HttpContext context) => Owner(context.User);

    public static bool HasScope(ClaimsPrincipal user, string scope) =>
        user.HasClaim(CallerClaims.Scope, scope) || user.HasClaim(CallerClaims.Scope, ApiKeyScopes.Admin);

    public static bool IsAdmin(ClaimsPrincipal user) => user.HasClaim(CallerClaims.Scope, ApiKeyScopes.Admin);

    /// <summary>The key's job quota; none for the local user without a key.</summary>
    public static JobQuota? Quota(ClaimsPrincipal user) =>
        int.TryParse(user.FindFirstValue(CallerClaims.MaxActiveJobs), out int active) && int.TryParse(user.FindFirstValue(CallerClaims.MaxQueuedJobs), out int queued)
            ? new JobQuota(active, queued)
            : null;

    /// <summary>Whether the caller may see (read, follow, cancel) a job or batch of <paramref name="owner"/>.</summary>
    public static async Task<bool> MaySeeAsync(HttpContext context, string owner) =>
        (await context.RequestServices.GetRequiredService<IAuthorizationService>().AuthorizeAsync(context.User, new OwnedResource(owner), AccessPolicies.Owner)).Succeeded;

    /// <summary>Whether the caller may read an artifact.</summary>
    public static async Task<bool> MayReadArtifactAsync(HttpContext context, string id) =>
        (await context.RequestServices.GetRequiredService<IAuthorizationService>().AuthorizeAsync(context.User, new ArtifactResource(id), AccessPolicies.Owner)).Succeeded;
}
