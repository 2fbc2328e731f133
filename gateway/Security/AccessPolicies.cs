using System.Security.Claims;
using Media.Hosting.Artifacts;
using Media.Hosting.Keys;
using Media.Gateway.Apis;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;

namespace Media.Gateway.Security;

/// <summary>The gateway's authorization policies.</summary>
internal static class AccessPolicies
{
    /// <summary>Submit and follow one's own jobs, artifacts and batches (scope jobs or admin; anyone when keys are optional).</summary>
    public const string Jobs = "jobs";

    /// <summary>Operator routes (/metrics): scope admin (anyone when keys are optional).</summary>
    public const string Admin = "admin";

    /// <summary>A resource (<see cref="OwnedResource"/>, <see cref="ArtifactResource"/>) of the caller, or any for an admin.</summary>
    public const string Owner = "owner";
}

/// <summary>A job or batch: visible to its owner.</summary>
internal sealed record OwnedResource(string Owner);

/// <summary>An artifact: visible to the owners of the jobs and batches that hold it.</summary>
internal sealed record ArtifactResource(string Id);

/// <summary>The caller holds <paramref name="Scope"/> (admin holds every scope) or, with keys optional, has sent no key.</summary>
internal sealed record ScopeRequirement(string Scope) : IAuthorizationRequirement;

internal sealed class ScopeHandler(AccessMode mode, IHttpContextAccessor http) : AuthorizationHandler<ScopeRequirement>
{
    protected override async Task HandleRequirementAsync(AuthorizationHandlerContext context, ScopeRequirement requirement)
    {
        var user = context.User;
        if (user.Identity?.IsAuthenticated == true)
        {
            if (Caller.HasScope(user, requirement.Scope)) context.Succeed(requirement);
            return;
        }
        // No key at all is the local user where keys are optional; a key that failed (unknown, revoked) never is.
        // (The handler keeps its result for the request, so asking again costs no second look-up.)
        if (!mode.KeysRequired && http.HttpContext is { } request
            && (await request.AuthenticateAsync(ApiKeyAuthenticationHandler.SchemeName)).Failure is null)
            context.Succeed(requirement);
    }
}

internal sealed class OwnerRequirement : IAuthorizationRequirement;

internal sealed class OwnedResourceHandler : AuthorizationHandler<OwnerRequirement, OwnedResource>
{
    protected override Task HandleRequirementAsync(AuthorizationHandlerContext context, OwnerRequirement requirement, OwnedResource resource)
    {
        if (Caller.IsAdmin(context.User) || string.Equals(Caller.Owner(context.User), resource.Owner, StringComparison.Ordinal)) context.Succeed(requirement);
        return Task.CompletedTask;
    }
}

internal sealed class ArtifactResourceHandler(IArtifactReferences references, IHttpContextAccessor http) : AuthorizationHandler<OwnerRequirement, ArtifactResource>
{
    protected override async Task HandleRequirementAsync(AuthorizationHandlerContext context, OwnerRequirement requirement, ArtifactResource resource)
    {
        var cancellationToken = http.HttpContext?.RequestAborted ?? CancellationToken.None;
        if (Caller.IsAdmin(context.User) || await references.IsHeldByOwnerAsync(resource.Id, Caller.Owner(context.User), cancellationToken))
            context.Succeed(requirement);
    }
}
