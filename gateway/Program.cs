using Media.Gateway.Apis;
using Media.Gateway.Apis.OpenAi;
using Media.Gateway.Extensions;
using Media.Gateway.Hubs;
using Scalar.AspNetCore;

var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, WebRootPath = WebRoot.Find() });
builder.AddMediaGateway();

var app = builder.Build();
// Bad parameters that fail binding (limit=abc) are the caller's 400, not a server error.
app.UseExceptionHandler(new ExceptionHandlerOptions { StatusCodeSelector = ex => ex is BadHttpRequestException bad ? bad.StatusCode : StatusCodes.Status500InternalServerError });
app.UseStatusCodePages();
app.UseDefaultFiles();            // / serves the web app's index.html
app.UseStaticFiles();             // wwwroot: the web app and its bundled SignalR client

app.MapHealthApi();
app.MapModelsApi();
app.MapJobsApi();
app.MapArtifactsApi();
app.MapBatchesApi();
app.MapOpenAiApi();
app.MapHub<MediaHub>(MediaHub.Path, o => o.AllowStatefulReconnects = true);
app.MapPrometheusScrapingEndpoint("/metrics");
app.MapOpenApi();                 // /openapi/v1.json
app.MapScalarApiReference();      // /scalar

app.Run();

/// <summary>Entry point, visible to the integration tests' WebApplicationFactory.</summary>
public partial class Program;
