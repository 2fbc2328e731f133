using Media.Gateway.Tests;
using Media.Hosting.Keys;
using Microsoft.Extensions.DependencyInjection;

namespace Media.Clients.Host;

/// <summary>
/// The gateway as <c>dotnet run --project gateway</c> runs it, on a free 127.0.0.1 port with its own data
/// folder (and an API key it prints first): by default with the deterministic test generators (registered through the production
/// AddGenerator API); with <c>--defaults</c> with the committed default models of the checkout's
/// <c>models/</c> folder and nothing else. The node client tests start it, read the address from the
/// first line it prints, and close its standard input (or end it) when they are done.
/// </summary>
internal static class ClientsHost
{
    public static async Task Main(string[] args)
    {
        bool defaults = args is ["--defaults"];
        if (!defaults && args.Length > 0) throw new ArgumentException($"Usage: Media.Clients.Host [--defaults]; got '{string.Join(' ', args)}'.");
        // WebApplicationFactory finds the gateway's folder (its content root: wwwroot, appsettings) from this variable.
        string gateway = GatewayFolder();
        Environment.SetEnvironmentVariable("ASPNETCORE_TEST_CONTENTROOT_MEDIA_GATEWAY", gateway);
        using var factory = defaults
            ? new GatewayFactory(root: null, testModels: false, new Dictionary<string, string?>
            {
                ["Media:ModelsDirectory"] = Path.Combine(Path.GetDirectoryName(gateway)!, "models"),
            })
            : new GatewayFactory(root: null, testModels: true);
        using var client = factory.StartKestrel();
        // A key for the SDK tests (on loopback keys are optional, but a key that is sent must be real).
        var (_, token) = await factory.Services.GetRequiredService<ApiKeyService>().CreateAsync("clients", [ApiKeyScopes.Jobs], CancellationToken.None);
        Console.WriteLine($"api key {token}");
        Console.WriteLine($"listening on {factory.BaseAddress}");
        Console.Out.Flush();

        using var stop = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) => { e.Cancel = true; stop.Cancel(); };
        AppDomain.CurrentDomain.ProcessExit += (_, _) => stop.Cancel();
        var stdinClosed = Task.Run(() => { while (Console.In.ReadLine() is not null) { } });
        await Task.WhenAny(stdinClosed, Task.Delay(Timeout.Infinite, stop.Token));
    }

    /// <summary>The checkout's gateway/ folder, found upwards from the program.</summary>
    static string GatewayFolder()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Media.sln"))) return Path.Combine(dir.FullName, "gateway");
        }
        throw new DirectoryNotFoundException($"No Media.sln above {AppContext.BaseDirectory}: run the host from a build inside the checkout.");
    }
}
