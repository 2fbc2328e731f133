using System.Text.Json;
using Media.Hosting.Jobs;
using Media.Hosting.Storage;
using Media.Hosting.Tests.Support;
using Microsoft.Data.Sqlite;

namespace Media.Hosting.Tests.Workers;

/// <summary>
/// Issue 22 §1.1: the process died (kill -9) while a job ran, so the store still says "running". A cancel asked for before
/// the crash is kept, and a job that keeps taking the process down is not run forever.
/// </summary>
public sealed class CrashRecoveryTests : IDisposable
{
    readonly TempFolder folder = new();

    public void Dispose() => folder.Dispose();

    /// <summary>A job left running by a crash, after <paramref name="starts"/> starts; <paramref name="cancel"/>: a cancel was asked for first.</summary>
    async Task<string> CrashedJobAsync(int starts, bool cancel)
    {
        string data = Directory.CreateDirectory(Path.Combine(folder.Path, "data")).FullName;
        using var db = new SqliteDatabase(Path.Combine(data, "media.db"));
        var store = new SqliteJobStore(db, TimeProvider.System);
        await store.InitializeAsync(CancellationToken.None);
        var (job, _, _) = await store.CreateAsync(new Job
        {
            Id = Job.NewId(), Kind = "image", Model = TestModels.Image, Family = "image", Owner = "o", Status = JobStatus.Queued,
            Parameters = JsonDocument.Parse("""{"prompt":"x","steps":2}""").RootElement,
        }, CancellationToken.None);
        for (int i = 0; i < starts; i++)
        {
            if (i > 0) await store.TransitionAsync(job.Id, JobStatus.Queued, new JobEvent { Message = "restarted" }, CancellationToken.None);
            await store.TransitionAsync(job.Id, JobStatus.Running, new JobEvent(), CancellationToken.None);
        }
        if (cancel) Assert.True(await store.RequestCancelAsync(job.Id, CancellationToken.None));
        Assert.Equal(starts, (await store.GetAsync(job.Id, CancellationToken.None))!.Attempts);
        SqliteConnection.ClearAllPools();
        return job.Id;
    }

    [Fact]
    public async Task A_job_cancelled_before_the_crash_ends_cancelled_instead_of_running_again()
    {
        string id = await CrashedJobAsync(starts: 1, cancel: true);
        await using var host = await TestHost.StartAsync(folder.Path);
        var job = await host.WaitFinishedAsync(id);
        Assert.Equal(JobStatus.Cancelled, job.Status);
        Assert.Equal(0, host.Models.ImageGenerator.StepsBegun);
    }

    [Fact]
    public async Task A_job_that_crashed_the_process_max_attempts_times_fails_as_worker_lost()
    {
        string id = await CrashedJobAsync(starts: 3, cancel: false);
        await using var host = await TestHost.StartAsync(folder.Path, new Dictionary<string, string?> { ["Media:Jobs:MaxAttempts"] = "3" });
        var job = await host.WaitFinishedAsync(id);
        Assert.Equal(JobStatus.Failed, job.Status);
        Assert.StartsWith("worker lost", job.FailureReason, StringComparison.Ordinal);
        Assert.Equal(0, host.Models.ImageGenerator.StepsBegun);
    }

    [Fact]
    public async Task A_job_below_max_attempts_runs_again_and_counts_the_start()
    {
        string id = await CrashedJobAsync(starts: 2, cancel: false);
        await using var host = await TestHost.StartAsync(folder.Path, new Dictionary<string, string?> { ["Media:Jobs:MaxAttempts"] = "3" });
        var job = await host.WaitFinishedAsync(id);
        Assert.Equal((JobStatus.Succeeded, 3), (job.Status, job.Attempts));
    }
}
