using System.Net;
using Media.Hosting.Tests.Support;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;

namespace Media.Gateway.Tests;

/// <summary>
/// The gateway in-process with its own data and models folders. With <c>testModels</c> the test
/// generators are registered (through the production registration API) and their checkpoints written;
/// <see cref="StartKestrel"/> serves it on a free 127.0.0.1 port for real HTTP and SignalR.
/// </summary>
public sealed class GatewayFactory : WebApplicationFactory<Program>
{
    readonly bool ownsRoot;
    readonly bool testModels;
    readonly IDictionary<string, string?> settings;
    readonly Action<IServiceCollection>? services;

    public GatewayFactory() : this(null, testModels: false) { }

    /// <param name="services">Registrations added after the gateway's own (to replace a service, e.g. the audio encoders).</param>
    public GatewayFactory(string? root, bool testModels, IDictionary<string, string?>? settings = null, Action<IServiceCollection>? services = null)
    {
        this.services = services;
        ownsRoot = root is null;
        Root = root ?? Directory.CreateTempSubdirectory("media-gateway-").FullName;
        this.testModels = testModels;
        this.settings = settings ?? new Dictionary<string, string?>();
    }

    public string Root { get; }
    public string ModelsDirectory => Path.Combine(Root, "models");
    public TestModels Models { get; } = new();
    public Uri? BaseAddress { get; private set; }

    /// <summary>Starts Kestrel on a free loopback port and returns a client for it.</summary>
    public HttpClient StartKestrel()
    {
        // Kestrel picks the port as it binds: a port found free beforehand could be taken by another test before the bind.
        UseKestrel(options => options.Listen(IPAddress.Loopback, 0));
        StartServer();
        var addresses = Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()
            ?? throw new InvalidOperationException("Kestrel reported no addresses.");
        BaseAddress = new Uri(addresses.Addresses.Single());
        return new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        Directory.CreateDirectory(ModelsDirectory);
        builder.UseSetting("Media:DataDirectory", Path.Combine(Root, "data"));
        builder.UseSetting("Media:ModelsDirectory", ModelsDirectory);
        foreach (var (key, value) in settings) builder.UseSetting(key, value);
        if (testModels)
        {
            TestModels.WriteCheckpoints(ModelsDirectory);
            builder.ConfigureServices(Models.Register);
        }
        if (services is not null) builder.ConfigureServices(services);
    }

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        SqliteConnection.ClearAllPools();
        if (disposing && ownsRoot && Directory.Exists(Root)) Directory.Delete(Root, recursive: true);
    }
}
