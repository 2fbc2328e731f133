using System.Text.Json;
using Media.Hosting.Artifacts;
using Media.Hosting.Jobs;
using Media.Hosting.Storage;
using Media.Hosting.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace Media.Hosting.Tests.Workers;

public sealed class FamilyWorkerTests : IDisposable
{
    readonly TempFolder folder = new();

    public void Dispose() => folder.Dispose();

    static JobSubmission Image(string model, string parameters = """{"prompt":"a fox"}""") =>
        new("image", model, JsonDocument.Parse(parameters).RootElement);

    static async Task<List<JobEvent>> EventsAsync(TestHost host, string id) =>
        [.. await host.Jobs.Store.ReadEventsAsync(id, 0, 1000, CancellationToken.None)];

    [Fact]
    public async Task A_job_runs_to_success_with_ordered_events_and_a_tagged_artifact()
    {
        await using var host = await TestHost.StartAsync(folder.Path);
        var (job, created) = await host.Jobs.SubmitAsync(Image(TestModels.Image), CancellationToken.None);
        Assert.True(created);
        Assert.True(job.Parameters.TryGetProperty("seed", out var seed), "a seed is chosen and recorded");

        var done = await host.WaitFinishedAsync(job.Id);
        Assert.Equal(JobStatus.Succeeded, done.Status);
        var events = await EventsAsync(host, job.Id);
        Assert.Equal(
            [JobEventType.Queued, JobEventType.Started, .. Enumerable.Repeat(JobEventType.Progress, 3), JobEventType.Preview, .. Enumerable.Repeat(JobEventType.Progress, 2), JobEventType.Completed],
            events.Select(e => e.Type));
        Assert.Equal(Enumerable.Range(1, events.Count).Select(i => (long)i), events.Select(e => e.Sequence));
        Assert.Equal([1, 2, 3, 4, 5], events.Where(e => e.Type == JobEventType.Progress).Select(e => e.Step!.Value));
        Assert.StartsWith("\x89PNG", System.Text.Encoding.Latin1.GetString(events.Single(e => e.Type == JobEventType.Preview).Payload!), StringComparison.Ordinal);

        string artifactId = Assert.Single(done.Artifacts);
        Assert.Equal(done.Artifacts, events[^1].Artifacts!);
        var artifacts = host.Services.GetRequiredService<IArtifactStore>();
        var artifact = (await artifacts.GetAsync(artifactId, CancellationToken.None))!;
        Assert.Equal(("image/png", job.Id, seed.GetRawText()), (artifact.ContentType, artifact.JobId, artifact.Metadata["seed"]));
        await using var file = (await artifacts.OpenReadAsync(artifactId, CancellationToken.None))!;
        using var bytes = new MemoryStream();
        await file.CopyToAsync(bytes);
        var text = TinyMedia.PngChunks(bytes.ToArray()).Where(c => c.Type == "tEXt").Select(c => System.Text.Encoding.Latin1.GetString(c.Data)).ToList();
        Assert.Contains($"seed\0{seed.GetRawText()}", text);
        Assert.Contains($"model\0{TestModels.Image}", text);
    }

    [Fact]
    public async Task A_failing_generator_fails_its_job_with_the_reason_and_the_worker_keeps_serving()
    {
        await using var host = await TestHost.StartAsync(folder.Path);
        var broken = await host.Jobs.SubmitAsync(Image(TestModels.Broken), CancellationToken.None);
        var fine = await host.Jobs.SubmitAsync(Image(TestModels.Image), CancellationToken.None);

        var failed = await host.WaitFinishedAsync(broken.Job.Id);
        Assert.Equal(JobStatus.Failed, failed.Status);
        Assert.Equal("the test generator was told to fail at step 2", failed.FailureReason);
        Assert.Equal(failed.FailureReason, (await EventsAsync(host, failed.Id))[^1].Message);
        Assert.Equal(JobStatus.Succeeded, (await host.WaitFinishedAsync(fine.Job.Id)).Status);
    }

    [Fact]
    public async Task Cancelling_a_running_job_stops_its_generator_within_one_step()
    {
        await using var host = await TestHost.StartAsync(folder.Path);
        var (job, _) = await host.Jobs.SubmitAsync(Image(TestModels.Slow, """{"prompt":"slow","steps":50}"""), CancellationToken.None);
        while ((await EventsAsync(host, job.Id)).Count(e => e.Type == JobEventType.Progress) < 2) await Task.Delay(10);

        int begunAtCancel = host.Models.SlowGenerator.StepsBegun;
        Assert.Equal(JobStatus.Running, (await host.Jobs.CancelAsync(job.Id, CancellationToken.None)).Status);
        var cancelled = await host.WaitFinishedAsync(job.Id);

        Assert.Equal(JobStatus.Cancelled, cancelled.Status);
        Assert.InRange(host.Models.SlowGenerator.StepsBegun, begunAtCancel, begunAtCancel + 1);
        Assert.Equal(JobEventType.Cancelled, (await EventsAsync(host, job.Id))[^1].Type);
        Assert.Empty(cancelled.Artifacts);
    }

    [Fact]
    public async Task A_queued_job_is_cancelled_at_once_and_never_runs()
    {
        await using var host = await TestHost.StartAsync(folder.Path);
        var blocker = await host.Jobs.SubmitAsync(Image(TestModels.Slow, """{"prompt":"slow","steps":3}"""), CancellationToken.None);
        while ((await host.Jobs.GetAsync(blocker.Job.Id, CancellationToken.None))!.Status != JobStatus.Running) await Task.Delay(5);
        var waiting = await host.Jobs.SubmitAsync(Image(TestModels.Image), CancellationToken.None);
        Assert.Equal(0, await host.Jobs.QueuePositionAsync((await host.Jobs.GetAsync(waiting.Job.Id, CancellationToken.None))!, CancellationToken.None));

        var cancelled = await host.Jobs.CancelAsync(waiting.Job.Id, CancellationToken.None);
        Assert.Equal(JobStatus.Cancelled, cancelled.Status);
        await host.WaitFinishedAsync(blocker.Job.Id);
        Assert.Equal([JobEventType.Queued, JobEventType.Cancelled], (await EventsAsync(host, waiting.Job.Id)).Select(e => e.Type));
        Assert.Equal(0, host.Models.ImageGenerator.StepsBegun);
    }

    [Fact]
    public async Task Submissions_are_refused_for_unknown_untrained_and_mismatched_models_and_full_queues()
    {
        await using var host = await TestHost.StartAsync(folder.Path, new Dictionary<string, string?> { ["Media:Jobs:QueueCapacity"] = "1", ["Media:Jobs:RetryAfterSeconds"] = "7" });
        Directory.Delete(Path.Combine(folder.Path, "models", TestModels.Broken), recursive: true);

        async Task<JobRejectedException> Refused(JobSubmission s) =>
            await Assert.ThrowsAsync<JobRejectedException>(() => host.Jobs.SubmitAsync(s, CancellationToken.None));

        Assert.Equal(JobRejection.UnknownModel, (await Refused(Image("no-such-model"))).Rejection);
        var untrained = await Refused(Image(TestModels.Broken));
        Assert.Equal(JobRejection.ModelNotReady, untrained.Rejection);
        Assert.Contains("no trained checkpoint", untrained.Message, StringComparison.Ordinal);
        var wrongKind = await Refused(new JobSubmission("speech", TestModels.Image, JsonDocument.Parse("""{"text":"hi"}""").RootElement));
        Assert.Equal(["kind"], wrongKind.Errors.Keys);
        Assert.Equal(["parameters.prompt"], (await Refused(Image(TestModels.Image, "{}"))).Errors.Keys);

        var running = await host.Jobs.SubmitAsync(Image(TestModels.Slow, """{"prompt":"slow","steps":10}"""), CancellationToken.None);
        while ((await host.Jobs.GetAsync(running.Job.Id, CancellationToken.None))!.Status != JobStatus.Running) await Task.Delay(10);
        await host.Jobs.SubmitAsync(Image(TestModels.Image), CancellationToken.None); // fills the one place
        var full = await Refused(Image(TestModels.Image));
        Assert.Equal((JobRejection.QueueFull, TimeSpan.FromSeconds(7)), (full.Rejection, full.RetryAfter));
        // Batch jobs have their own lane.
        await host.Jobs.SubmitAsync(Image(TestModels.Image) with { Priority = JobPriority.Batch }, CancellationToken.None);
        await host.Jobs.CancelAsync(running.Job.Id, CancellationToken.None);
    }

    [Fact]
    public async Task An_idempotency_key_returns_the_same_job_and_refuses_a_different_request()
    {
        await using var host = await TestHost.StartAsync(folder.Path);
        var first = await host.Jobs.SubmitAsync(Image(TestModels.Image) with { IdempotencyKey = "k" }, CancellationToken.None);
        var retry = await host.Jobs.SubmitAsync(Image(TestModels.Image) with { IdempotencyKey = "k" }, CancellationToken.None);
        Assert.Equal((first.Job.Id, false), (retry.Job.Id, retry.Created));
        var conflict = await Assert.ThrowsAsync<JobRejectedException>(() =>
            host.Jobs.SubmitAsync(Image(TestModels.Image, """{"prompt":"other"}""") with { IdempotencyKey = "k" }, CancellationToken.None));
        Assert.Equal(JobRejection.IdempotencyConflict, conflict.Rejection);
    }

    [Theory]
    [InlineData("Requeue", JobStatus.Succeeded)]
    [InlineData("Fail", JobStatus.Failed)]
    public async Task After_a_crash_queued_jobs_run_and_running_jobs_follow_the_configured_policy(string policy, JobStatus interruptedEnds)
    {
        // The state a killed process leaves: one job queued, one marked running, one finished.
        string queuedId, runningId, finishedId;
        using (var db = new SqliteDatabase(Path.Combine(folder.Path, "data", "media.db")))
        {
            var store = new SqliteJobStore(db, TimeProvider.System);
            await store.InitializeAsync(CancellationToken.None);
            Job New() => new()
            {
                Id = Job.NewId(), Kind = "image", Model = TestModels.Image, Family = "image", Owner = "o", Status = JobStatus.Queued,
                Parameters = JsonDocument.Parse("""{"prompt":"x","seed":1}""").RootElement,
            };
            queuedId = (await store.CreateAsync(New(), CancellationToken.None)).Job.Id;
            runningId = (await store.CreateAsync(New(), CancellationToken.None)).Job.Id;
            await store.TransitionAsync(runningId, JobStatus.Running, new JobEvent(), CancellationToken.None);
            finishedId = (await store.CreateAsync(New(), CancellationToken.None)).Job.Id;
            await store.TransitionAsync(finishedId, JobStatus.Cancelled, new JobEvent(), CancellationToken.None);
        }

        await using var host = await TestHost.StartAsync(folder.Path, new Dictionary<string, string?> { ["Media:Jobs:RunningJobsOnRestart"] = policy });
        Assert.Equal(JobStatus.Succeeded, (await host.WaitFinishedAsync(queuedId)).Status);
        var interrupted = await host.WaitFinishedAsync(runningId);
        Assert.Equal(interruptedEnds, interrupted.Status);
        var events = await EventsAsync(host, runningId);
        Assert.Equal(Enumerable.Range(1, events.Count).Select(i => (long)i), events.Select(e => e.Sequence));
        if (interruptedEnds == JobStatus.Failed)
            Assert.Equal("the service restarted while the job was running", interrupted.FailureReason);
        else
            Assert.Equal([JobEventType.Queued, JobEventType.Started, JobEventType.Queued, JobEventType.Started], events.Take(4).Select(e => e.Type));
        Assert.Equal([JobEventType.Queued, JobEventType.Cancelled], (await EventsAsync(host, finishedId)).Select(e => e.Type));
    }

    [Fact]
    public async Task Stopping_the_worker_puts_its_running_job_back_and_the_next_start_finishes_it()
    {
        string id;
        await using (var first = await TestHost.StartAsync(folder.Path))
        {
            id = (await first.Jobs.SubmitAsync(Image(TestModels.Slow, """{"prompt":"slow","steps":6}"""), CancellationToken.None)).Job.Id;
            while ((await EventsAsync(first, id)).All(e => e.Type != JobEventType.Progress)) await Task.Delay(10);
        }
        await using var second = await TestHost.StartAsync(folder.Path);
        Assert.Equal(JobStatus.Succeeded, (await second.WaitFinishedAsync(id)).Status);
        var types = (await EventsAsync(second, id)).Select(e => e.Type).ToList();
        Assert.Equal(2, types.Count(t => t == JobEventType.Started));
        Assert.Equal("the worker stopped before the job finished; it runs again",
            (await EventsAsync(second, id)).First(e => e.Type == JobEventType.Queued && e.Sequence > 1).Message);
    }
}
