using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Media.Tests.Support;

/// <summary>
/// Real redis-server and PostgreSQL processes for the scale-out tests, started by the tests themselves (issue 13 §4):
/// loopback only, free ports picked at random, data in temporary folders, stopped and deleted at the end. test.sh installs
/// both (Debian's redis-server and postgresql); where a binary is truly absent, <see cref="Missing"/> says which, and the
/// tests that need it are reported as skipped with that reason — never passed.
/// </summary>
public sealed class LocalServers : IAsyncLifetime, IDisposable
{
    readonly string root = Directory.CreateTempSubdirectory("media-servers-").FullName;
    readonly List<Process> processes = [];
    readonly SemaphoreSlim start = new(1, 1);
    string? redis, postgres;
    int databases;

    /// <summary>Why the servers cannot run here (a binary is not installed), or null.</summary>
    public static string? Missing { get; } = FindMissing();

    /// <summary>A StackExchange.Redis configuration string of a running redis-server (append-only file on).</summary>
    public async Task<string> RedisAsync()
    {
        await start.WaitAsync();
        try { return redis ??= await StartRedisAsync(); }
        finally { start.Release(); }
    }

    /// <summary>The connection string of a new, empty database on a running PostgreSQL server.</summary>
    public async Task<string> NewPostgresDatabaseAsync()
    {
        string server;
        await start.WaitAsync();
        try { server = postgres ??= await StartPostgresAsync(); }
        finally { start.Release(); }
        string name = $"media_test_{Interlocked.Increment(ref databases)}";
        await using var connection = new Npgsql.NpgsqlConnection(server + ";Database=postgres");
        await connection.OpenAsync();
        await using var command = new Npgsql.NpgsqlCommand($"CREATE DATABASE {name}", connection);
        await command.ExecuteNonQueryAsync();
        return $"{server};Database={name}";
    }

    /// <summary>Kills redis-server (as a crash would) and starts it again on the same port and data folder.</summary>
    public async Task RestartRedisAsync()
    {
        var redis = processes.Single(p => p.StartInfo.FileName.EndsWith("redis-server", StringComparison.Ordinal) && !p.HasExited);
        redis.Kill();
        await redis.WaitForExitAsync();
        int port = int.Parse(this.redis!.Split(':')[1].Split(',')[0], System.Globalization.CultureInfo.InvariantCulture);
        await LaunchRedisAsync(port);
    }

    async Task<string> StartRedisAsync()
    {
        int port = FreePort();
        await LaunchRedisAsync(port);
        return $"127.0.0.1:{port},abortConnect=false";
    }

    async Task LaunchRedisAsync(int port)
    {
        string dir = Directory.CreateDirectory(Path.Combine(root, "redis")).FullName;
        Start(Which("redis-server")!, "--bind", "127.0.0.1", "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--dir", dir,
            "--save", "", "--appendonly", "yes", "--appendfsync", "always", "--protected-mode", "yes");
        await WaitForPortAsync(port);
    }

    async Task<string> StartPostgresAsync()
    {
        string bin = Path.GetDirectoryName(Which("initdb")!)!;
        string data = Path.Combine(this.root, "pg");
        string sockets = Directory.CreateDirectory(Path.Combine(this.root, "pg-sockets")).FullName;
        // PostgreSQL refuses to run as root; under root (CI) it runs as Debian's postgres user.
        bool root = Environment.UserName == "root";
        if (root) Run("chown", "postgres", this.root, sockets);
        var initdb = Run(root ? "runuser" : Path.Combine(bin, "initdb"),
            [.. root ? ["-u", "postgres", "--", Path.Combine(bin, "initdb")] : Array.Empty<string>(),
             "-D", data, "-U", "media", "--auth=trust", "--no-sync", "-E", "UTF8", "--locale=C"]);
        if (initdb != 0) throw new InvalidOperationException($"initdb failed ({initdb})");
        int port = FreePort();
        string[] server = [Path.Combine(bin, "postgres"), "-D", data, "-p", port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "-k", sockets, "-c", "listen_addresses=127.0.0.1", "-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off"];
        if (root) Start("runuser", ["-u", "postgres", "--", .. server]);
        else Start(server[0], server[1..]);
        await WaitForPortAsync(port);
        string connection = $"Host=127.0.0.1;Port={port};Username=media";
        // Accepting connections may lag the port by a moment (recovery at start).
        for (int i = 0; ; i++)
        {
            try
            {
                await using var c = new Npgsql.NpgsqlConnection(connection + ";Database=postgres");
                await c.OpenAsync();
                return connection;
            }
            catch (Npgsql.NpgsqlException) when (i < 100) { await Task.Delay(100); }
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
                await client.ConnectAsync(IPAddress.Loopback, port);
                return;
            }
            catch (SocketException) { await Task.Delay(50); }
        }
        throw new TimeoutException($"nothing listens on port {port} after 15 s");
    }

    static int FreePort()
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

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var process in processes)
        {
            try
            {
                if (!process.HasExited) process.Kill(entireProcessTree: true);
                await process.WaitForExitAsync();
            }
            catch (InvalidOperationException) { }
            process.Dispose();
        }
        try { Directory.Delete(root, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }

    public void Dispose() => start.Dispose();
}
