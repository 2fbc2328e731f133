using Media.Gateway.Apis;
using Media.Gateway.Extensions;

var builder = WebApplication.CreateBuilder(args);
builder.AddMediaGateway();

var app = builder.Build();
app.UseExceptionHandler();
app.UseStatusCodePages();

app.MapHealthApi();
app.MapModelsApi();

app.Run();

/// <summary>Entry point, visible to the integration tests' WebApplicationFactory.</summary>
public partial class Program;
