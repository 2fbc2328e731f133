using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Media.Gateway.Tests;

/// <summary>The built gateway started as its own process, as the README's run command does.</summary>
[Slow("starts the gateway as a process")]
public sealed class RunCommandTests
{
    [Fact]
    public async Task The_gateway_process_answers_healthz_within_60_seconds()
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
        start.ArgumentList.Add("--urls");
        start.ArgumentList.Add($"http://127.0.0.1:{port}");
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
