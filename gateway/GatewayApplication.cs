using Media.Gateway.Apis;
using Media.Gateway.Apis.OpenAi;
using Media.Gateway.Extensions;
using Media.Gateway.Hubs;
using Media.Gateway.Security;
using Media.Gateway.WebPages;
using Scalar.AspNetCore;

namespace Media.Gateway;

/// <summary>
/// The gateway as one built application: its services and every route, hub and page. The program runs
/// it; <c>media bench gateway</c> starts the same application in its own process on a loopback port.
/// </summary>
public static class GatewayApplication
{
    /// <summary>Builds the gateway from command-line style <paramref name="args"/> (<c>--urls</c>, <c>--Media:DataDirectory=...</c>).</summary>
    public static WebApplication Build(string[] args)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, WebRootPath = WebRoot.Find() });
        builder.AddMediaGateway();

        var app = builder.Build();
        _ = app.Services.GetRequiredService<Media.Modeling.Devices.TorchMetrics>();
        // Bad parameters that fail binding (limit=abc) are the caller's 400, not a server error.
        app.UseExceptionHandler(new ExceptionHandlerOptions { StatusCodeSelector = ex => ex is BadHttpRequestException bad ? bad.StatusCode : StatusCodes.Status500InternalServerError });
        app.UseStatusCodePages();
        app.UseSecurityHeaders();
        app.UseWebApp();                  // the pages (one layout) and wwwroot, public, under the web app's CSP
        app.UseGatewaySecurity();         // CORS, the hub's origin check, API keys, policies, rate limits

        app.MapHealthApi();
        app.MapModelsApi();
        // A caller's work: an API key with the jobs scope (optional on loopback), rate limited per key;
        // each job, artifact and batch is visible only to its owner and admins.
        var work = app.MapGroup("").RequireCaller();
        work.MapJobsApi();
        work.MapArtifactsApi();
        work.MapBatchesApi();
        work.MapOpenAiApi();
        work.MapHub<MediaHub>(MediaHub.Path, o => o.AllowStatefulReconnects = true);
        app.MapPrometheusScrapingEndpoint("/metrics").RequireAuthorization(AccessPolicies.Admin);
        app.MapOpenApi();                 // /openapi/v1.json
        app.MapScalarApiReference();      // /scalar
        return app;
    }
}
