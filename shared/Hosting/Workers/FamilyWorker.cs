using System.Text.Json;
using Media.Hosting.Artifacts;
using Media.Hosting.Jobs;
using Media.Hosting.Queues;
using Media.Hosting.Telemetry;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Media.Hosting.Workers;

/// <summary>
/// The worker of one model family: pulls a job whenever it has room (Media:Jobs:Concurrency), hands it
/// to the generator of the job's model, stores what comes back, and records how the job ended. A
/// failing generator fails its job, never the worker. The same class runs in the gateway (embedded
/// default) or in a service process of its own.
/// </summary>
public sealed class FamilyWorker(string family, IJobQueues queues, JobService jobs, GeneratorProvider generators, RunningJobs running,
    IArtifactStore artifacts, JobRecovery recovery, JobMetrics metrics, TimeProvider time, IOptions<JobsOptions> options, IHostApplicationLifetime lifetime,
    ILogger<FamilyWorker> logger)
    : BackgroundService
{
    public string Family { get; } = family;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // Stop taking and running jobs as soon as the application begins to stop, before the server drains.
        using var stopping = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken, lifetime.ApplicationStopping);
        await WorkAsync(stopping.Token).ConfigureAwait(false);
    }

    async Task WorkAsync(CancellationToken stoppingToken)
    {
        await recovery.Completed.WaitAsync(stoppingToken).ConfigureAwait(false);
        var queue = queues.For(Family);
        using var slots = new SemaphoreSlim(options.Value.ConcurrencyOf(Family));
        var inFlight = new HashSet<Task>();
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                await slots.WaitAsync(stoppingToken).ConfigureAwait(false);
                QueuedJob next;
                try { next = await queue.DequeueAsync(stoppingToken).ConfigureAwait(false); }
                catch (OperationCanceledException) { slots.Release(); break; }
                var task = RunAsync(next.JobId, stoppingToken);
                lock (inFlight) inFlight.Add(task);
                _ = task.ContinueWith(t =>
                {
                    lock (inFlight) inFlight.Remove(t);
                    slots.Release();
                }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested) { }
        Task[] remaining;
        lock (inFlight) remaining = [.. inFlight];
        await Task.WhenAll(remaining).ConfigureAwait(false);
    }

    /// <summary>One job, start to end. Never throws: every outcome is recorded on the job.</summary>
    async Task RunAsync(string jobId, CancellationToken stoppingToken)
    {
        await Task.Yield();
        using var cancellation = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        // Registered before the job is marked running, so a cancel that sees "running" always reaches it.
        if (!running.TryAdd(jobId, cancellation)) return;
        try
        {
            Job job;
            try { job = await jobs.StartAsync(jobId, CancellationToken.None).ConfigureAwait(false); }
            catch (Exception ex) when (ex is InvalidJobTransitionException or KeyNotFoundException)
            {
                return; // cancelled while it waited, or gone
            }

            try
            {
                var generator = await generators.GetAsync(job.Model, cancellation.Token).ConfigureAwait(false);
                var sink = new JobEventSink(job, jobs, metrics, time);
                var outputs = await generator.RunAsync(job, sink, cancellation.Token).ConfigureAwait(false);
                cancellation.Token.ThrowIfCancellationRequested();
                var stored = new List<string>(outputs.Count);
                foreach (var output in outputs)
                {
                    var content = MediaMetadata.Embed(output.Content.ToArray(), output.ContentType, Describe(job));
                    var artifact = await artifacts.SaveAsync(content, new ArtifactInfo(output.ContentType, job.Id, output.Name, Describe(job)), CancellationToken.None).ConfigureAwait(false);
                    stored.Add(artifact.Id);
                }
                await jobs.FinishAsync(job.Id, JobStatus.Succeeded, new JobEvent { Artifacts = stored }, CancellationToken.None).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (cancellation.IsCancellationRequested)
            {
                if (running.WasCancelRequested(jobId))
                    await jobs.FinishAsync(jobId, JobStatus.Cancelled, new JobEvent { Message = "cancelled by request" }, CancellationToken.None).ConfigureAwait(false);
                else
                    await jobs.RequeueAsync(jobId, "the worker stopped before the job finished; it runs again", CancellationToken.None).ConfigureAwait(false);
            }
            catch (Exception ex)
            {
                logger.LogWarning(ex, "Job {JobId} ({Model}) failed", jobId, job.Model);
                await jobs.FinishAsync(jobId, JobStatus.Failed, new JobEvent { Message = Reason(ex) }, CancellationToken.None).ConfigureAwait(false);
            }
        }
        catch (Exception ex)
        {
            // The store itself failed; the job stays as recorded and restart recovery takes it up again.
            logger.LogError(ex, "Could not record the outcome of job {JobId}", jobId);
        }
        finally
        {
            running.Remove(jobId);
        }
    }

    static string Reason(Exception ex) => string.IsNullOrWhiteSpace(ex.Message) ? ex.GetType().Name : ex.Message;

    /// <summary>What goes into the file's text chunks: enough to make the same artifact again.</summary>
    static Dictionary<string, string> Describe(Job job)
    {
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["model"] = job.Model,
            ["job"] = job.Id,
            ["parameters"] = JsonSerializer.Serialize(job.Parameters),
        };
        if (job.Parameters.TryGetProperty("seed", out var seed)) metadata["seed"] = seed.GetRawText();
        return metadata;
    }
}
