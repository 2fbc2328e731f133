using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;

namespace Media.Gateway.Tests;

/// <summary>The gateway in-process with its own empty data and models folders.</summary>
public sealed class GatewayFactory : WebApplicationFactory<Program>
{
    public string Root { get; } = Directory.CreateTempSubdirectory("media-gateway-").FullName;
    public string ModelsDirectory => Path.Combine(Root, "models");

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        Directory.CreateDirectory(ModelsDirectory);
        builder.UseSetting("Media:DataDirectory", Path.Combine(Root, "data"));
        builder.UseSetting("Media:ModelsDirectory", ModelsDirectory);
    }

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        if (disposing && Directory.Exists(Root)) Directory.Delete(Root, recursive: true);
    }
}
