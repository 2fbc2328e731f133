using Media.Hosting.Coordination;
using Media.Hosting.Files;
using Media.Hosting.Keys;
using Media.Hosting.Postgres;
using Media.Hosting.Storage;
using Media.Hosting.Tests.Support;
using Microsoft.Data.Sqlite;

namespace Media.Hosting.Tests.Contracts;

/// <summary>
/// What several gateways share beside jobs and batches (issue 13): OpenAI file records, API keys, and the housekeeping
/// locks. "Two gateways" are two stores (or lock sets) over the same database, as two processes would open them.
/// </summary>
public abstract class SharedStateContract
{
    /// <summary>Two independent views of one store, as two gateways would have them.</summary>
    protected abstract Task<(IFileStore A, IFileStore B)> FileStoresAsync();

    protected abstract Task<(IApiKeyStore A, IApiKeyStore B)> KeyStoresAsync();

    /// <summary>Two competitors for the same locks (two processes in scale-out; one process embedded).</summary>
    protected abstract Task<(IExclusiveLocks A, IExclusiveLocks B)> LocksAsync();

    static StoredFile File(string owner, string purpose, DateTimeOffset at) => new()
    {
        Id = StoredFile.NewId(), Owner = owner, Purpose = purpose, Filename = "in.jsonl", ArtifactId = "sha256-" + Guid.NewGuid().ToString("N"),
        Bytes = 12, CreatedAt = at,
    };

    [SkippableFact]
    public async Task A_file_saved_through_one_gateway_is_read_listed_and_deleted_through_the_other()
    {
        var (a, b) = await FileStoresAsync();
        var at = DateTimeOffset.FromUnixTimeMilliseconds(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
        var files = new List<StoredFile>();
        for (int i = 0; i < 5; i++) files.Add(File(i % 2 == 0 ? "alice" : "bob", i == 4 ? FilePurposes.BatchOutput : FilePurposes.Batch, at.AddMilliseconds(i)));
        foreach (var f in files) await a.SaveAsync(f, CancellationToken.None);

        Assert.Equal(files[0], await b.GetAsync(files[0].Id, CancellationToken.None));
        var page = await b.ListAsync(new FileQuery(Limit: 2, Ascending: true), CancellationToken.None);
        Assert.Equal((files[0].Id, files[1].Id, true), (page.Files[0].Id, page.Files[1].Id, page.HasMore));
        var next = await b.ListAsync(new FileQuery(Limit: 10, After: files[1].Id, Ascending: true), CancellationToken.None);
        Assert.Equal(files.Skip(2).Select(f => f.Id), next.Files.Select(f => f.Id));
        var alice = await b.ListAsync(new FileQuery(Owner: "alice", Purpose: FilePurposes.Batch), CancellationToken.None);
        Assert.Equal([files[2].Id, files[0].Id], alice.Files.Select(f => f.Id));

        await a.SaveAsync(files[0] with { Filename = "renamed.jsonl" }, CancellationToken.None);
        Assert.Equal("renamed.jsonl", (await b.GetAsync(files[0].Id, CancellationToken.None))!.Filename);
        Assert.True(await b.DeleteAsync(files[0].Id, CancellationToken.None));
        Assert.Null(await a.GetAsync(files[0].Id, CancellationToken.None));
        Assert.False(await a.DeleteAsync(files[0].Id, CancellationToken.None));
    }

    [SkippableFact]
    public async Task A_key_made_on_one_gateway_authenticates_on_the_other_until_revoked_there()
    {
        var (a, b) = await KeyStoresAsync();
        var made = new ApiKeyService(a, TimeProvider.System);
        var other = new ApiKeyService(b, TimeProvider.System);
        var (key, token) = await made.CreateAsync("ci", [ApiKeyScopes.Jobs], CancellationToken.None, requestsPerMinute: 7, maxQueuedJobs: 3);

        var found = await other.AuthenticateAsync(token, CancellationToken.None);
        Assert.Equal((key.Id, "ci", 7, (int?)null, (int?)3), (found?.Id, found?.Name, found?.RequestsPerMinute, found?.MaxActiveJobs, found?.MaxQueuedJobs));
        Assert.Contains(key.Id, (await b.ListAsync(CancellationToken.None)).Select(k => k.Id));
        Assert.Null(await other.AuthenticateAsync(token + "x", CancellationToken.None));

        Assert.True(await b.RevokeAsync(key.Id, DateTimeOffset.UtcNow, CancellationToken.None));
        Assert.Null(await made.AuthenticateAsync(token, CancellationToken.None));
        Assert.False(await a.RevokeAsync("key_missing", DateTimeOffset.UtcNow, CancellationToken.None));
    }

    [SkippableFact]
    public async Task A_lock_has_one_holder_at_a_time_and_is_free_again_when_released()
    {
        var (a, b) = await LocksAsync();
        var held = await a.TryAcquireAsync("batch-runner", CancellationToken.None);
        Assert.NotNull(held);
        Assert.Null(await b.TryAcquireAsync("batch-runner", CancellationToken.None));
        Assert.Null(await a.TryAcquireAsync("batch-runner", CancellationToken.None));
        var other = await b.TryAcquireAsync("retention", CancellationToken.None);
        Assert.NotNull(other); // another name is another lock
        await held!.DisposeAsync();
        await held.DisposeAsync(); // twice is once
        var taken = await b.TryAcquireAsync("batch-runner", CancellationToken.None);
        Assert.NotNull(taken);
        Assert.Null(await a.TryAcquireAsync("batch-runner", CancellationToken.None));
        await taken!.DisposeAsync();
        await other!.DisposeAsync();
    }
}

public sealed class SqliteSharedStateTests : SharedStateContract, IDisposable
{
    readonly TempFolder folder = new();
    readonly List<SqliteDatabase> databases = [];

    public void Dispose()
    {
        foreach (var d in databases) d.Dispose();
        SqliteConnection.ClearAllPools();
        folder.Dispose();
    }

    SqliteDatabase Open()
    {
        var db = new SqliteDatabase(Path.Combine(folder.Path, "media.db"));
        databases.Add(db);
        return db;
    }

    protected override async Task<(IFileStore A, IFileStore B)> FileStoresAsync()
    {
        var (a, b) = (new SqliteFileStore(Open()), new SqliteFileStore(Open()));
        await a.InitializeAsync(CancellationToken.None);
        await b.InitializeAsync(CancellationToken.None);
        return (a, b);
    }

    protected override Task<(IApiKeyStore A, IApiKeyStore B)> KeyStoresAsync() =>
        Task.FromResult<(IApiKeyStore, IApiKeyStore)>((new SqliteApiKeyStore(Open()), new SqliteApiKeyStore(Open())));

    protected override Task<(IExclusiveLocks A, IExclusiveLocks B)> LocksAsync()
    {
        var shared = new InProcessExclusiveLocks();
        return Task.FromResult<(IExclusiveLocks, IExclusiveLocks)>((shared, shared));
    }
}

[Collection(LocalServersGroup.Name)]
public sealed class PostgresSharedStateTests(LocalServers servers) : SharedStateContract, IAsyncLifetime
{
    readonly List<PostgresDatabase> databases = [];
    string? connection;

    async Task<PostgresDatabase> OpenAsync()
    {
        Skip.If(LocalServers.Missing is not null, LocalServers.Missing);
        connection ??= await servers.NewPostgresDatabaseAsync();
        var db = new PostgresDatabase(connection);
        databases.Add(db);
        return db;
    }

    protected override async Task<(IFileStore A, IFileStore B)> FileStoresAsync()
    {
        var (a, b) = (new PostgresFileStore(await OpenAsync()), new PostgresFileStore(await OpenAsync()));
        await a.InitializeAsync(CancellationToken.None);
        await b.InitializeAsync(CancellationToken.None);
        return (a, b);
    }

    protected override async Task<(IApiKeyStore A, IApiKeyStore B)> KeyStoresAsync() =>
        (new PostgresApiKeyStore(await OpenAsync()), new PostgresApiKeyStore(await OpenAsync()));

    protected override async Task<(IExclusiveLocks A, IExclusiveLocks B)> LocksAsync() =>
        (new PostgresExclusiveLocks(await OpenAsync()), new PostgresExclusiveLocks(await OpenAsync()));

    /// <summary>A gateway killed while it holds a lock: its connection ends with it, and another gateway takes the lock.</summary>
    [SkippableFact]
    public async Task A_lock_whose_holder_died_is_taken_by_another_process()
    {
        var dying = await OpenAsync();
        var survivor = new PostgresExclusiveLocks(await OpenAsync());
        var held = await new PostgresExclusiveLocks(dying).TryAcquireAsync("retention", CancellationToken.None);
        Assert.NotNull(held);
        Assert.Null(await survivor.TryAcquireAsync("retention", CancellationToken.None));
        // The holder's process is gone: the server ends its session (what a closed socket does), not an unlock.
        await using (var admin = await (await OpenAsync()).OpenAsync(CancellationToken.None))
        await using (var kill = new Npgsql.NpgsqlCommand(
            "SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory' AND objid = (@key & x'FFFFFFFF'::bigint)::oid AND granted", admin))
        {
            kill.Parameters.AddWithValue("key", PostgresExclusiveLocks.Key("retention"));
            Assert.True((bool)(await kill.ExecuteScalarAsync())!);
        }
        IAsyncDisposable? taken = null;
        for (int i = 0; i < 50 && taken is null; i++)
        {
            taken = await survivor.TryAcquireAsync("retention", CancellationToken.None);
            if (taken is null) await Task.Delay(100);
        }
        Assert.NotNull(taken);
        await taken!.DisposeAsync();
        await held!.DisposeAsync(); // its connection is gone: releasing is quiet
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var d in databases) await d.DisposeAsync();
    }
}
