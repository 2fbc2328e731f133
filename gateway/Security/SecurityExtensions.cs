using Media.Gateway.Hubs;
using Media.Hosting.Keys;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.SignalR;

namespace Media.Gateway.Security;

/// <summary>Keys, policies, rate limits, CORS and origin checks of the gateway.</summary>
internal static class SecurityExtensions
{
    public const string CorsPolicy = "configured-origins";

    public static WebApplicationBuilder AddGatewaySecurity(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<KeyOptions>().BindConfiguration(KeyOptions.Section)
            .Validate(o => o.RequestsPerMinute >= 1 && o.MaxActiveJobs >= 1 && o.MaxQueuedJobs >= 1, "Media:Keys limits must be at least 1")
            .ValidateOnStart();
        services.AddOptions<CorsSettings>().BindConfiguration(CorsSettings.Section)
            .Validate(o => o.AllowedOrigins.All(a => Uri.TryCreate(a, UriKind.Absolute, out var u) && u.AbsolutePath == "/"),
                "Media:Cors:AllowedOrigins must be origins such as https://app.example.com")
            .ValidateOnStart();
        services.AddSingleton<AccessMode>();
        services.AddHostedService<AccessMode.Probe>();
        services.AddHttpContextAccessor();
        services.AddAuthentication(ApiKeyAuthenticationHandler.SchemeName)
            .AddScheme<Microsoft.AspNetCore.Authentication.AuthenticationSchemeOptions, ApiKeyAuthenticationHandler>(ApiKeyAuthenticationHandler.SchemeName, null);
        services.AddSingleton<IAuthorizationHandler, ScopeHandler>();
        services.AddSingleton<IAuthorizationHandler, OwnedResourceHandler>();
        services.AddSingleton<IAuthorizationHandler, ArtifactResourceHandler>();
        services.AddAuthorizationBuilder()
            .AddPolicy(AccessPolicies.Jobs, p => p.AddRequirements(new ScopeRequirement(ApiKeyScopes.Jobs)))
            .AddPolicy(AccessPolicies.Admin, p => p.AddRequirements(new ScopeRequirement(ApiKeyScopes.Admin)))
            .AddPolicy(AccessPolicies.Owner, p => p.AddRequirements(new OwnerRequirement()));
        services.AddKeyRateLimiting();
        services.AddSingleton<HubRateLimitFilter.Limiter>();
        services.Configure<HubOptions>(o => o.AddFilter<HubRateLimitFilter>());
        var origins = builder.Configuration.GetSection(CorsSettings.Section).Get<CorsSettings>()?.AllowedOrigins ?? [];
        services.AddCors(cors => cors.AddPolicy(CorsPolicy, policy => policy
            .WithOrigins(origins)
            .AllowAnyHeader()   // the SDKs add their own (x-stainless-*)
            .WithMethods("GET", "POST", "DELETE")
            .WithExposedHeaders("Location", "Retry-After", "Idempotent-Replayed")));
        return builder;
    }

    /// <summary>In order: headers, CORS, the hub's origin check, who is calling, what they may do, how often.</summary>
    public static WebApplication UseGatewaySecurity(this WebApplication app)
    {
        app.UseCors(CorsPolicy);
        app.UseWhen(c => c.Request.Path.StartsWithSegments(MediaHub.Path), hub => hub.UseMiddleware<HubOriginCheck>());
        app.UseAuthentication();
        app.UseAuthorization();
        app.UseRateLimiter();
        return app;
    }

    /// <summary>Every route of a caller's work: a key with the jobs scope (or none on loopback), rate limited per key.</summary>
    public static TBuilder RequireCaller<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder =>
        builder.RequireAuthorization(AccessPolicies.Jobs).RequireRateLimiting(KeyRateLimiting.Policy);
}
