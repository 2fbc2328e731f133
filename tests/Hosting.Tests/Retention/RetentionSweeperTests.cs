using System.Text.Json;
using Media.Hosting.Artifacts;
using Media.Hosting.Jobs;
using Media.Hosting.Retention;
using Media.Hosting.Storage;
using Media.Hosting.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace Media.Hosting.Tests.Retention;

public sealed class RetentionSweeperTests : IDisposable
{
    readonly TempFolder folder = new();

    public void Dispose() => folder.Dispose();

    static JobSubmission Image(int steps, string owner = "anonymous") =>
        new(TestModels.ImageKind.Name, TestModels.Image, JsonDocument.Parse($$"""{"prompt":"a fox","steps":{{steps}}}""").RootElement) { Owner = owner };

    [Fact]
    public async Task Expired_jobs_go_with_their_events_and_only_artifacts_no_live_job_holds_are_deleted()
    {
        await using var host = await TestHost.StartAsync(folder.Path, new Dictionary<string, string?>
        {
            ["Media:Retention:MaxAge"] = "00:00:01",
            ["Media:Retention:ArtifactGrace"] = "00:00:00",
            ["Media:Retention:SweepInterval"] = "01:00:00",
        });
        var old = await host.WaitFinishedAsync((await host.Jobs.SubmitAsync(Image(1), CancellationToken.None)).Job.Id);
        var oldShared = await host.WaitFinishedAsync((await host.Jobs.SubmitAsync(Image(2, "bob"), CancellationToken.None)).Job.Id);
        var artifacts = host.Services.GetRequiredService<IArtifactStore>();
        var references = host.Services.GetRequiredService<IArtifactReferences>();
        // Content-addressed files are shared: the same bytes also held by something live (a batch's file, an upload).
        string shared = oldShared.Artifacts[0];
        await references.AddAsync(shared, "file_live", "carol", CancellationToken.None);
        Assert.True(await references.IsHeldByOwnerAsync(shared, "bob", CancellationToken.None));
        await Task.Delay(1500);
        var live = await host.WaitFinishedAsync((await host.Jobs.SubmitAsync(Image(3), CancellationToken.None)).Job.Id);

        var sweep = await host.Services.GetRequiredService<RetentionSweeper>().SweepAsync(CancellationToken.None);

        Assert.Equal((2, 1), (sweep.Jobs, sweep.Artifacts));
        Assert.True(sweep.BytesFreed > 0);
        Assert.Null(await host.Jobs.GetAsync(old.Id, CancellationToken.None));
        Assert.Null(await host.Jobs.GetAsync(oldShared.Id, CancellationToken.None));
        Assert.Empty(await host.Jobs.Store.ReadEventsAsync(old.Id, 0, 100, CancellationToken.None));
        Assert.Null(await artifacts.GetAsync(old.Artifacts[0], CancellationToken.None));
        Assert.Null(await artifacts.OpenReadAsync(old.Artifacts[0], CancellationToken.None));
        // Still held: kept, and no longer bob's to read once his job is gone.
        await using (var kept = await artifacts.OpenReadAsync(shared, CancellationToken.None)) Assert.NotNull(kept);
        Assert.False(await references.IsHeldByOwnerAsync(shared, "bob", CancellationToken.None));
        Assert.True(await references.IsHeldByOwnerAsync(shared, "carol", CancellationToken.None));
        // The live job and its artifact are untouched.
        Assert.NotNull(await host.Jobs.GetAsync(live.Id, CancellationToken.None));
        Assert.NotNull(await artifacts.GetAsync(live.Artifacts[0], CancellationToken.None));

        // The database gave the freed pages back to the file system.
        var database = host.Services.GetRequiredService<SqliteDatabase>();
        await using var connection = await database.OpenAsync(CancellationToken.None);
        await using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA auto_vacuum";
        Assert.Equal(2L, (long)(await command.ExecuteScalarAsync())!); // incremental
        command.CommandText = "PRAGMA freelist_count";
        Assert.Equal(0L, (long)(await command.ExecuteScalarAsync())!);
    }

    [Fact]
    public async Task A_zero_max_age_keeps_everything()
    {
        await using var host = await TestHost.StartAsync(folder.Path, new Dictionary<string, string?> { ["Media:Retention:MaxAge"] = "00:00:00" });
        var job = await host.WaitFinishedAsync((await host.Jobs.SubmitAsync(Image(1), CancellationToken.None)).Job.Id);
        var sweep = await host.Services.GetRequiredService<RetentionSweeper>().SweepAsync(CancellationToken.None);
        Assert.Equal(new RetentionSweep(0, 0, 0, 0), sweep);
        Assert.NotNull(await host.Jobs.GetAsync(job.Id, CancellationToken.None));
    }
}
