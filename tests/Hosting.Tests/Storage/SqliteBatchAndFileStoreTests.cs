using Media.Hosting.Batches;
using Media.Hosting.Files;
using Media.Hosting.Storage;
using Media.Hosting.Tests.Support;
using Microsoft.Data.Sqlite;

namespace Media.Hosting.Tests.Storage;

/// <summary>Batches and /v1/files records in the SQLite file: the upgrade of older files, the OpenAI filter, paging.</summary>
public sealed class SqliteBatchAndFileStoreTests : IDisposable
{
    readonly TempFolder folder = new();

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        folder.Dispose();
    }

    SqliteDatabase Open() => new(Path.Combine(folder.Path, "media.db"));

    static Batch NewBatch(DateTimeOffset at, string endpoint = BatchService.JobsEndpoint) => new()
    {
        Id = Batch.NewId(), Owner = "alice", InputFileId = "in", CreatedAt = at, ExpiresAt = at.AddHours(24), Endpoint = endpoint,
        Files = endpoint == BatchService.JobsEndpoint ? null : new BatchFiles("file-in"),
    };

    [Fact]
    public async Task A_batches_table_from_before_OpenAI_batches_is_upgraded_and_its_batches_stay_api_batches()
    {
        var old = NewBatch(DateTimeOffset.UtcNow);
        using (var db = Open())
        using (var connection = db.Open())
        using (var command = connection.CreateCommand())
        {
            // The schema and document of the previous release (no endpoint column, no endpoint in the JSON).
            command.CommandText = "CREATE TABLE batches (id TEXT PRIMARY KEY, status TEXT NOT NULL, created_at INTEGER NOT NULL, data TEXT NOT NULL)";
            command.ExecuteNonQuery();
            command.CommandText = "INSERT INTO batches VALUES (@id, 'completed', @at, @data)";
            command.Parameters.AddWithValue("@id", old.Id);
            command.Parameters.AddWithValue("@at", old.CreatedAt.ToUnixTimeMilliseconds());
            command.Parameters.AddWithValue("@data", $$"""{"Id":"{{old.Id}}","Owner":"alice","Status":"Completed","InputFileId":"in","CreatedAt":"{{old.CreatedAt:O}}","ExpiresAt":"{{old.ExpiresAt:O}}"}""");
            command.ExecuteNonQuery();
        }

        using var database = Open();
        var store = new SqliteBatchStore(database);
        await store.InitializeAsync(CancellationToken.None);
        await store.InitializeAsync(CancellationToken.None); // a second start finds the column and leaves it
        var openAi = NewBatch(DateTimeOffset.UtcNow.AddSeconds(1), "/v1/images/generations");
        await store.SaveAsync(openAi, CancellationToken.None);

        var read = await store.GetAsync(old.Id, CancellationToken.None);
        Assert.Equal((BatchService.JobsEndpoint, BatchStatus.Completed, (BatchFiles?)null), (read!.Endpoint, read.Status, read.Files));
        Assert.Equal([openAi.Id, old.Id], (await store.ListAsync(10, null, null, CancellationToken.None)).Batches.Select(b => b.Id));
        Assert.Equal([openAi.Id], (await store.ListAsync(10, null, null, CancellationToken.None, openAiOnly: true)).Batches.Select(b => b.Id));
    }

    [Fact]
    public async Task A_batch_and_its_files_owner_are_saved_together_or_not_at_all()
    {
        // BatchesApiTests once got 404 for a completed batch's output file: the batch row and its files' owner were two
        // writes, and a reader came between them. A refused second write must leave the first undone too.
        using var database = Open();
        var store = new SqliteBatchStore(database);
        await store.InitializeAsync(CancellationToken.None);
        var batch = NewBatch(DateTimeOffset.UtcNow);
        await store.SaveAsync(batch, CancellationToken.None);
        using (var connection = database.Open())
        using (var command = connection.CreateCommand())
        {
            command.CommandText = "CREATE TRIGGER refuse_refs BEFORE INSERT ON artifact_refs BEGIN SELECT RAISE(ABORT, 'refused'); END";
            command.ExecuteNonQuery();
        }

        var completed = batch with { Status = BatchStatus.Completed, OutputFileId = "out" };
        await Assert.ThrowsAsync<SqliteException>(() => store.SaveAsync(completed, CancellationToken.None));
        var read = await store.GetAsync(batch.Id, CancellationToken.None);
        Assert.Equal((batch.Status, (string?)null), (read!.Status, read.OutputFileId));
    }

    [Fact]
    public async Task Files_page_by_purpose_and_order_and_a_deleted_file_is_gone()
    {
        using var database = Open();
        var store = new SqliteFileStore(database);
        await store.InitializeAsync(CancellationToken.None);
        var start = DateTimeOffset.UtcNow;
        var files = Enumerable.Range(0, 5).Select(i => new StoredFile
        {
            Id = StoredFile.NewId(), Owner = "alice", Purpose = i == 2 ? FilePurposes.BatchOutput : FilePurposes.Batch, Filename = $"f{i}.jsonl",
            ArtifactId = new string('a', 64), Bytes = i, CreatedAt = start.AddSeconds(i),
        }).ToList();
        foreach (var file in files) await store.SaveAsync(file, CancellationToken.None);

        var (first, more) = await store.ListAsync(new FileQuery(FilePurposes.Batch, Limit: 2, Ascending: true), CancellationToken.None);
        Assert.Equal([files[0].Id, files[1].Id], first.Select(f => f.Id));
        Assert.True(more);
        var (second, last) = await store.ListAsync(new FileQuery(FilePurposes.Batch, Limit: 2, After: first[^1].Id, Ascending: true), CancellationToken.None);
        Assert.Equal([files[3].Id, files[4].Id], second.Select(f => f.Id));
        Assert.False(last);
        Assert.Equal(files.Select(f => f.Id).Reverse(), (await store.ListAsync(new FileQuery(), CancellationToken.None)).Files.Select(f => f.Id));

        Assert.True(await store.DeleteAsync(files[1].Id, CancellationToken.None));
        Assert.False(await store.DeleteAsync(files[1].Id, CancellationToken.None));
        Assert.Null(await store.GetAsync(files[1].Id, CancellationToken.None));
        Assert.Equal(files[3] with { }, await store.GetAsync(files[3].Id, CancellationToken.None));
    }
}
