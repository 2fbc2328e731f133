using Media.Gateway.Tests;

namespace Media.Clients.Host;

/// <summary>
/// The gateway as <c>dotnet run --project gateway</c> runs it, plus the deterministic test generators
/// (registered through the production AddGenerator API), on a free 127.0.0.1 port with its own data
/// folder. The node client tests start it, read the address from the first line it prints, and close
/// its standard input (or end it) when they are done.
/// </summary>
internal static class ClientsHost
{
    public static async Task Main()
    {
        // WebApplicationFactory finds the gateway's folder (its content root: wwwroot, appsettings) from this variable.
        Environment.SetEnvironmentVariable("ASPNETCORE_TEST_CONTENTROOT_MEDIA_GATEWAY", GatewayFolder());
        using var factory = new GatewayFactory(root: null, testModels: true);
        using var client = factory.StartKestrel();
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
