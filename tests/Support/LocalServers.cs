using Media.LocalCluster;

namespace Media.Tests.Support;

/// <summary>
/// Real redis-server and PostgreSQL processes for the scale-out tests, started by the tests themselves (issue 13 §4):
/// <see cref="LocalServerProcesses"/> as an xunit fixture. Where a binary is truly absent, <see cref="Missing"/> says which,
/// and the tests that need it are reported as skipped with that reason — never passed.
/// </summary>
public sealed class LocalServers : IAsyncLifetime
{
    /// <summary>Why the servers cannot run here (a binary is not installed), or null.</summary>
    public static string? Missing => LocalServerProcesses.Missing;

    /// <summary>The servers themselves (restarts, new databases).</summary>
    public LocalServerProcesses Processes { get; } = new();

    /// <summary>A StackExchange.Redis configuration string of a running redis-server (append-only file on).</summary>
    public Task<string> RedisAsync() => Processes.RedisAsync();

    /// <summary>The connection string of a new, empty database on a running PostgreSQL server.</summary>
    public Task<string> NewPostgresDatabaseAsync() => Processes.NewPostgresDatabaseAsync();

    /// <summary>Kills redis-server (as a crash would) and starts it again on the same port and data folder.</summary>
    public Task RestartRedisAsync() => Processes.RestartRedisAsync();

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await Processes.DisposeAsync();
}
