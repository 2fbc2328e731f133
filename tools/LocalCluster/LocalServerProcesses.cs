using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Media.LocalCluster;

/// <summary>
/// Real redis-server and PostgreSQL processes on this machine: loopback only, free ports picked at random, data in a
/// temporary folder, stopped and deleted on dispose (issue 13 §4). test.sh installs both (Debian's redis-server and
/// postgresql); where a binary is absent, <see cref="Missing"/> says which. Redis runs with the append-only file on, so a
/// restart keeps its streams; PostgreSQL runs as the <c>postgres</c> user when this process is root.
/// </summary>
public sealed class LocalServerProcesses : IAsyncDisposable
{
    readonly string root = Directory.CreateTempSubdirectory("media-servers-").FullName;
    readonly List<Process> processes = [];
    readonly SemaphoreSlim start = new(1, 1);
    string? redis, postgres, postgresData;
    string[]? postgresCommand;
    int redisPort, postgresPort, databases;

    /// <summary>Why the servers cannot run here (a binary is not installed), or null.</summary>
    public static string? Missing { get; } = FindMissing();

    /// <summary>A StackExchange.Redis configuration string of a running redis-server (append-only file on).</summary>
    public async Task<string> RedisAsync()
    {
        await start.WaitAsync().ConfigureAwait(false);
        try { return redis ??= await StartRedisAsync().ConfigureAwait(false); }
        finally { start.Release(); }
    }

    /// <summary>The connection string of a new, empty database on a running PostgreSQL server.</summary>
    public async Task<string> NewPostgresDatabaseAsync()
    {
        string server;
        await start.WaitAsync().ConfigureAwait(false);
        try { server = postgres ??= await StartPostgresAsync().ConfigureAwait(false); }
        finally { start.Release(); }
        string name = $"media_test_{Interlocked.Increment(ref databases)}";
        // Unpooled: a pooled admin connection would be dead after a server restart.
        var connection = new Npgsql.NpgsqlConnection(server + ";Database=postgres;Pooling=false");
        await using (connection.ConfigureAwait(false))
        {
            await connection.OpenAsync().ConfigureAwait(false);
            var command = new Npgsql.NpgsqlCommand($"CREATE DATABASE {name}", connection);
            await using (command.ConfigureAwait(false)) await command.ExecuteNonQueryAsync().ConfigureAwait(false);
        }
        return $"{server};Database={name}";
    }

    /// <summary>Kills redis-server (as a crash would), leaves it down for <paramref name="down"/>, and starts it again on the same port and data folder.</summary>
    public async Task RestartRedisAsync(TimeSpan down = default)
    {
        var process = processes.Single(p => p.StartInfo.FileName.EndsWith("redis-server", StringComparison.Ordinal) && !p.HasExited);
        process.Kill();
        await process.WaitForExitAsync().ConfigureAwait(false);
        if (down > TimeSpan.Zero) await Task.Delay(down).ConfigureAwait(false);
        await LaunchRedisAsync(redisPort).ConfigureAwait(false);
    }

    /// <summary>
    /// Stops PostgreSQL (fast shutdown: every connection is cut, as a server restart does), leaves it down for
    /// <paramref name="down"/>, and starts it again on the same port and data.
    /// </summary>
    public async Task RestartPostgresAsync(TimeSpan down = default)
    {
        string bin = Path.GetDirectoryName(Which("initdb")!)!;
        int stopped = Run(IsRoot ? "runuser" : Path.Combine(bin, "pg_ctl"),
            [.. IsRoot ? ["-u", "postgres", "--", Path.Combine(bin, "pg_ctl")] : Array.Empty<string>(), "-D", postgresData!, "-m", "fast", "-w", "stop"]);
        if (stopped != 0) throw new InvalidOperationException($"pg_ctl stop failed ({stopped})");
        foreach (var p in processes.Where(p => p.StartInfo.ArgumentList.Contains(postgresData!) && !p.HasExited).ToList())
            await p.WaitForExitAsync().ConfigureAwait(false);
        if (down > TimeSpan.Zero) await Task.Delay(down).ConfigureAwait(false);
        await LaunchPostgresAsync().ConfigureAwait(false);
    }

    static bool IsRoot => Environment.UserName == "root";

    async Task<string> StartRedisAsync()
    {
        redisPort = FreePort();
        await LaunchRedisAsync(redisPort).ConfigureAwait(false);
        return $"127.0.0.1:{redisPort},abortConnect=false";
    }

    async Task LaunchRedisAsync(int port)
    {
        string dir = Directory.CreateDirectory(Path.Combine(root, "redis")).FullName;
        Start(Which("redis-server")!, "--bind", "127.0.0.1", "--port", port.ToString(CultureInfo.InvariantCulture), "--dir", dir,
            "--save", "", "--appendonly", "yes", "--appendfsync", "always", "--protected-mode", "yes");
        await WaitForPortAsync(port).ConfigureAwait(false);
    }

    async Task<string> StartPostgresAsync()
    {
        string bin = Path.GetDirectoryName(Which("initdb")!)!;
        postgresData = Path.Combine(this.root, "pg");
        string sockets = Directory.CreateDirectory(Path.Combine(this.root, "pg-sockets")).FullName;
        // PostgreSQL refuses to run as root; under root (CI) it runs as Debian's postgres user.
        if (IsRoot) Run("chown", "postgres", this.root, sockets);
        var initdb = Run(IsRoot ? "runuser" : Path.Combine(bin, "initdb"),
            [.. IsRoot ? ["-u", "postgres", "--", Path.Combine(bin, "initdb")] : Array.Empty<string>(),
             "-D", postgresData, "-U", "media", "--auth=trust", "--no-sync", "-E", "UTF8", "--locale=C"]);
        if (initdb != 0) throw new InvalidOperationException($"initdb failed ({initdb})");
        postgresPort = FreePort();
        postgresCommand = [Path.Combine(bin, "postgres"), "-D", postgresData, "-p", postgresPort.ToString(CultureInfo.InvariantCulture),
            "-k", sockets, "-c", "listen_addresses=127.0.0.1", "-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off",
            "-c", "max_connections=300"];
        return await LaunchPostgresAsync().ConfigureAwait(false);
    }

    async Task<string> LaunchPostgresAsync()
    {
        var server = postgresCommand!;
        if (IsRoot) Start("runuser", ["-u", "postgres", "--", .. server]);
        else Start(server[0], server[1..]);
        await WaitForPortAsync(postgresPort).ConfigureAwait(false);
        string connection = $"Host=127.0.0.1;Port={postgresPort};Username=media";
        // Accepting connections may lag the port by a moment (recovery at start).
        for (int i = 0; ; i++)
        {
            try
            {
                var c = new Npgsql.NpgsqlConnection(connection + ";Database=postgres;Pooling=false");
                await using (c.ConfigureAwait(false)) await c.OpenAsync().ConfigureAwait(false);
                return connection;
            }
            catch (Npgsql.NpgsqlException) when (i < 100) { await Task.Delay(100).ConfigureAwait(false); }
        }
    }

    void Start(string file, params string[] args)
    {
        var info = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string a in args) info.ArgumentList.Add(a);
        var process = Process.Start(info)!;
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        processes.Add(process);
    }

    static int Run(string file, params string[] args)
    {
        var info = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string a in args) info.ArgumentList.Add(a);
        using var process = Process.Start(info)!;
        process.StandardOutput.ReadToEnd();
        process.StandardError.ReadToEnd();
        process.WaitForExit();
        return process.ExitCode;
    }

    static async Task WaitForPortAsync(int port)
    {
        for (int i = 0; i < 300; i++)
        {
            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync(IPAddress.Loopback, port).ConfigureAwait(false);
                return;
            }
            catch (SocketException) { await Task.Delay(50).ConfigureAwait(false); }
        }
        throw new TimeoutException($"nothing listens on port {port} after 15 s");
    }

    /// <summary>A loopback port nothing listens on now.</summary>
    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    static string? FindMissing()
    {
        var missing = new List<string>();
        if (Which("redis-server") is null) missing.Add("redis-server (apt-get install redis-server)");
        if (Which("initdb") is null) missing.Add("PostgreSQL's initdb and postgres (apt-get install postgresql)");
        return missing.Count == 0 ? null : "not installed: " + string.Join("; ", missing) + " — test.sh installs them";
    }

    /// <summary>A program on PATH, or PostgreSQL's under Debian's /usr/lib/postgresql/N/bin (not on PATH).</summary>
    static string? Which(string name)
    {
        foreach (string dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries))
            if (File.Exists(Path.Combine(dir, name))) return Path.Combine(dir, name);
        if (Directory.Exists("/usr/lib/postgresql"))
            foreach (string version in Directory.GetDirectories("/usr/lib/postgresql").OrderDescending(StringComparer.Ordinal))
                if (File.Exists(Path.Combine(version, "bin", name))) return Path.Combine(version, "bin", name);
        return null;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var process in processes)
        {
            try
            {
                if (!process.HasExited) process.Kill(entireProcessTree: true);
                await process.WaitForExitAsync().ConfigureAwait(false);
            }
            catch (InvalidOperationException) { }
            process.Dispose();
        }
        try { Directory.Delete(root, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        start.Dispose();
    }
}
