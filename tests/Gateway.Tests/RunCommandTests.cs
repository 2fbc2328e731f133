using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Media.Gateway.Tests;

/// <summary>The built gateway started as its own process, as the README's run command does.</summary>
[Slow("starts the gateway as a process")]
public sealed class RunCommandTests
{
    [Fact]
    public Task The_gateway_process_answers_healthz_within_60_seconds() =>
        AnswersOnAsync((start, port) =>
        {
            start.ArgumentList.Add("--urls");
            start.ArgumentList.Add($"http://127.0.0.1:{port}");
        });

    // Issue 22 §1.7: a "Urls" in appsettings.json overrode these (environment variables are read before the file).
    [Fact]
    public Task ASPNETCORE_URLS_sets_where_the_gateway_listens() =>
        AnswersOnAsync((start, port) =>
        {
            WithSettingsFile(start);
            start.Environment["ASPNETCORE_URLS"] = $"http://127.0.0.1:{port}";
        });

    [Fact]
    public Task A_Kestrel_endpoint_setting_sets_where_the_gateway_listens() =>
        AnswersOnAsync((start, port) =>
        {
            WithSettingsFile(start);
            start.Environment["Kestrel__Endpoints__Http__Url"] = $"http://127.0.0.1:{port}";
        });

    /// <summary>Runs with the build's appsettings.json (the content root), as `dotnet run --project gateway` does, data still under the working folder.</summary>
    static void WithSettingsFile(ProcessStartInfo start)
    {
        start.Environment["ASPNETCORE_CONTENTROOT"] = AppContext.BaseDirectory;
        start.Environment["Media__DataDirectory"] = Path.Combine(start.WorkingDirectory, "data");
    }

    [Fact]
    public void The_settings_file_leaves_the_listening_address_to_the_conventions()
    {
        using var settings = System.Text.Json.JsonDocument.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "appsettings.json")));
        Assert.False(settings.RootElement.TryGetProperty("Urls", out _), "Urls in appsettings.json overrides ASPNETCORE_URLS");
    }

    static async Task AnswersOnAsync(Action<ProcessStartInfo, int> configure)
    {
        int port = FreePort();
        string root = Directory.CreateTempSubdirectory("media-run-").FullName;
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = root,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "Media.Gateway.dll"));
        start.Environment.Remove("ASPNETCORE_URLS");
        configure(start, port);
        using var process = Process.Start(start)!;
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
            var clock = Stopwatch.StartNew();
            HttpStatusCode? status = null;
            while (clock.Elapsed < TimeSpan.FromSeconds(60) && !process.HasExited)
            {
                try
                {
                    status = (await client.GetAsync(new Uri($"http://127.0.0.1:{port}/healthz"))).StatusCode;
                    if (status == HttpStatusCode.OK) break;
                }
                catch (HttpRequestException) { }
                catch (TaskCanceledException) { }
                await Task.Delay(250);
            }
            Assert.Equal(HttpStatusCode.OK, status);
            Assert.True(Directory.Exists(Path.Combine(root, "data")), "the data folder defaults under the working directory");
        }
        finally
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
            Directory.Delete(root, recursive: true);
        }
    }

    static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
