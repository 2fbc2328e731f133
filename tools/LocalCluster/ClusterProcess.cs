using System.Diagnostics;

namespace Media.LocalCluster;

/// <summary>
/// One program of the deployment (a gateway or a worker) as a child process: <c>dotnet program.dll args</c>, its output
/// kept (the last lines, for a failure's message), killed with SIGKILL (<see cref="Kill"/>) or stopped with SIGTERM.
/// </summary>
public sealed class ClusterProcess : IAsyncDisposable
{
    const int KeptLines = 400;
    readonly Process process;
    readonly Queue<string> output = new();
    TimeSpan lastCpu;

    ClusterProcess(string name, Process process, Uri address)
    {
        (Name, this.process, Address) = (name, process, address);
        process.OutputDataReceived += (_, e) => Keep(e.Data);
        process.ErrorDataReceived += (_, e) => Keep(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    /// <summary>What the deployment calls it (gateway-1, image-worker-2).</summary>
    public string Name { get; }

    /// <summary>Where it serves HTTP (the API for a gateway; /healthz, /readyz and /metrics for a worker).</summary>
    public Uri Address { get; }

    public int ProcessId => process.Id;

    public bool HasExited => process.HasExited;

    /// <summary>CPU time the process has used (its last reading once it has exited).</summary>
    public TimeSpan CpuTime
    {
        get
        {
            try { if (!process.HasExited) lastCpu = process.TotalProcessorTime; }
            catch (InvalidOperationException) { }
            return lastCpu;
        }
    }

    /// <summary>The last lines it wrote.</summary>
    public string Output
    {
        get { lock (output) return string.Join('\n', output); }
    }

    void Keep(string? line)
    {
        if (line is null) return;
        lock (output)
        {
            output.Enqueue(line);
            while (output.Count > KeptLines) output.Dequeue();
        }
    }

    /// <summary>Starts <c>dotnet <paramref name="program"/></c> with <paramref name="args"/>, serving on <paramref name="port"/>.</summary>
    public static ClusterProcess Start(string name, string program, int port, IEnumerable<string> args, IReadOnlyDictionary<string, string>? environment = null)
    {
        var info = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
            WorkingDirectory = Path.GetDirectoryName(program)!,
        };
        info.ArgumentList.Add(program);
        info.ArgumentList.Add("--urls");
        info.ArgumentList.Add($"http://127.0.0.1:{port}");
        foreach (string a in args) info.ArgumentList.Add(a);
        foreach (var (key, value) in environment ?? new Dictionary<string, string>()) info.Environment[key] = value;
        // The child is a plain program, not a test host: no test settings leak in.
        info.Environment.Remove("ASPNETCORE_ENVIRONMENT");
        info.Environment["DOTNET_ENVIRONMENT"] = "Production";
        return new ClusterProcess(name, Process.Start(info)!, new Uri($"http://127.0.0.1:{port}"));
    }

    /// <summary>Waits until <c>/healthz</c> answers 200; fails with the process's output when it exits or the time runs out.</summary>
    public async Task WaitHealthyAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var client = new HttpClient { BaseAddress = Address, Timeout = TimeSpan.FromSeconds(5) };
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < timeout)
        {
            if (process.HasExited) throw new InvalidOperationException($"{Name} exited ({process.ExitCode}) before it was healthy:\n{Output}");
            try
            {
                using var response = await client.GetAsync(new Uri("/healthz", UriKind.Relative), cancellationToken).ConfigureAwait(false);
                if (response.IsSuccessStatusCode) return;
            }
            catch (HttpRequestException) { }
            catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested) { }
            await Task.Delay(200, cancellationToken).ConfigureAwait(false);
        }
        throw new TimeoutException($"{Name} was not healthy after {timeout.TotalSeconds:0} s:\n{Output}");
    }

    /// <summary>SIGKILL (kill -9): no shutdown code runs, leases are left to expire.</summary>
    public async Task KillAsync()
    {
        _ = CpuTime;
        if (process.HasExited) return;
        process.Kill(entireProcessTree: true);
        await process.WaitForExitAsync().ConfigureAwait(false);
    }

    /// <summary>SIGTERM, then waits for the graceful shutdown (running jobs handed back).</summary>
    public async Task StopAsync(TimeSpan timeout)
    {
        _ = CpuTime;
        if (process.HasExited) return;
        using var kill = Process.Start(new ProcessStartInfo("kill", ["-TERM", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]) { UseShellExecute = false })!;
        await kill.WaitForExitAsync().ConfigureAwait(false);
        using var wait = new CancellationTokenSource(timeout);
        try { await process.WaitForExitAsync(wait.Token).ConfigureAwait(false); }
        catch (OperationCanceledException) { await KillAsync().ConfigureAwait(false); }
    }

    public async ValueTask DisposeAsync()
    {
        try { await KillAsync().ConfigureAwait(false); }
        catch (InvalidOperationException) { }
        process.Dispose();
    }
}
