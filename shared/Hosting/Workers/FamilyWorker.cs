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
/// The worker of one model family: takes a job under a lease whenever it has room (Media:Jobs:Concurrency), renews the
/// lease while the generator runs, stores what comes back, records how the job ended and acknowledges the lease. A failing
/// generator fails its job, never the worker. A job whose previous worker was lost (its lease ran out, or the process
/// died) runs again, at most Media:Jobs:MaxAttempts starts, then fails with "worker lost". At shutdown the running jobs
/// are handed back to the queue. The same class runs in the gateway (embedded default) or in a worker process of its own.
/// </summary>
public sealed class FamilyWorker(string family, IJobQueues queues, JobService jobs, GeneratorProvider generators, IJobCancellations cancellations,
    IArtifactStore artifacts, JobRecovery recovery, JobMetrics metrics, WorkerIdentity identity, TimeProvider time, IOptions<JobsOptions> options,
    IHostApplicationLifetime lifetime, ILogger<FamilyWorker> logger)
    : BackgroundService
{
    int running;

    public string Family { get; } = family;

    /// <summary>Jobs this worker runs now.</summary>
    public int Running => Volatile.Read(ref running);

    /// <summary>Jobs it runs at once.</summary>
    public int Capacity => options.Value.ConcurrencyOf(Family);

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
        // Only as many leases as there are free slots: a busy worker leaves the rest of the queue to the others.
        using var slots = new SemaphoreSlim(Capacity);
        var inFlight = new HashSet<Task>();
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                await slots.WaitAsync(stoppingToken).ConfigureAwait(false);
                JobLease lease;
                try { lease = await queue.TakeAsync(identity.Name, stoppingToken).ConfigureAwait(false); }
                catch (OperationCanceledException) { slots.Release(); break; }
                catch (Exception ex)
                {
                    // The queue's server is away (a Redis restart): wait a little and try again, never end the worker.
                    slots.Release();
                    logger.LogWarning(ex, "Could not take a {Family} job; trying again", Family);
                    await Task.Delay(TimeSpan.FromSeconds(1), stoppingToken).ConfigureAwait(false);
                    continue;
                }
                Interlocked.Increment(ref running);
                var task = RunAsync(queue, lease, stoppingToken);
                lock (inFlight) inFlight.Add(task);
                _ = task.ContinueWith(t =>
                {
                    lock (inFlight) inFlight.Remove(t);
                    Interlocked.Decrement(ref running);
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
    async Task RunAsync(IJobQueue queue, JobLease lease, CancellationToken stoppingToken)
    {
        await Task.Yield();
        string jobId = lease.JobId;
        using var cancellation = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        bool cancelRequested = false, leaseLost = false;
        void Cancel(bool byRequest)
        {
            if (byRequest) cancelRequested = true; else leaseLost = true;
            try { cancellation.Cancel(); } catch (ObjectDisposedException) { }
        }
        using var renewing = new CancellationTokenSource();
        Task? renewal = null;
        try
        {
            // Observed before the job is marked running, so a cancel that sees "running" always reaches it.
            await using var observer = await cancellations.ObserveAsync(jobId, () => Cancel(byRequest: true), CancellationToken.None).ConfigureAwait(false);
            var job = await jobs.Store.GetAsync(jobId, CancellationToken.None).ConfigureAwait(false);
            if (job is null || JobStateMachine.IsTerminal(job.Status))
            {
                // Cancelled while it waited, deleted, or finished by a worker whose acknowledgement was lost.
                await queue.AcknowledgeAsync(lease, CancellationToken.None).ConfigureAwait(false);
                return;
            }
            if (job.Status == JobStatus.Running && !await ResumeLostAsync(job, queue, lease).ConfigureAwait(false)) return;
            if (job.CancelRequested)
            {
                await jobs.FinishAsync(jobId, JobStatus.Cancelled, new JobEvent { Message = "cancelled by request" }, CancellationToken.None).ConfigureAwait(false);
                await queue.AcknowledgeAsync(lease, CancellationToken.None).ConfigureAwait(false);
                return;
            }
            try { job = await jobs.StartAsync(jobId, CancellationToken.None, identity.Name).ConfigureAwait(false); }
            catch (Exception ex) when (ex is InvalidJobTransitionException or KeyNotFoundException)
            {
                await queue.AcknowledgeAsync(lease, CancellationToken.None).ConfigureAwait(false);
                return; // cancelled meanwhile, or gone
            }
            if (job.CancelRequested) Cancel(byRequest: true);
            renewal = RenewAsync(queue, lease, Cancel, renewing.Token);

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
                await queue.AcknowledgeAsync(lease, CancellationToken.None).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (cancellation.IsCancellationRequested)
            {
                if (cancelRequested)
                {
                    await jobs.FinishAsync(jobId, JobStatus.Cancelled, new JobEvent { Message = "cancelled by request" }, CancellationToken.None).ConfigureAwait(false);
                    await queue.AcknowledgeAsync(lease, CancellationToken.None).ConfigureAwait(false);
                }
                else if (leaseLost)
                    logger.LogWarning("Job {JobId}: this worker's lease ran out and another worker took the job; stopped here", jobId);
                else
                    await jobs.RequeueAsync(jobId, queue, lease, "the worker stopped before the job finished; it runs again", CancellationToken.None).ConfigureAwait(false);
            }
            catch (Exception ex)
            {
                logger.LogWarning(ex, "Job {JobId} ({Model}) failed", jobId, job.Model);
                await jobs.FinishAsync(jobId, JobStatus.Failed, new JobEvent { Message = Reason(ex) }, CancellationToken.None).ConfigureAwait(false);
                await queue.AcknowledgeAsync(lease, CancellationToken.None).ConfigureAwait(false);
            }
        }
        catch (Exception ex)
        {
            // The store or the queue failed; the lease is not acknowledged, so when it runs out another worker takes the job up.
            logger.LogError(ex, "Could not record the outcome of job {JobId}", jobId);
        }
        finally
        {
            await renewing.CancelAsync().ConfigureAwait(false);
            if (renewal is not null) await renewal.ConfigureAwait(false);
        }
    }

    /// <summary>
    /// The job's previous worker was lost while it ran (its lease ran out here, or the process that held it died). Cancelled
    /// if a cancel was asked for, failed "worker lost" after Media:Jobs:MaxAttempts starts, else back to queued to run here.
    /// Returns whether to run it.
    /// </summary>
    async Task<bool> ResumeLostAsync(Job job, IJobQueue queue, JobLease lease)
    {
        int max = options.Value.MaxAttempts;
        if (job.CancelRequested)
            await jobs.FinishAsync(job.Id, JobStatus.Cancelled, new JobEvent { Message = "cancelled by request (its worker was lost before the job stopped)" }, CancellationToken.None).ConfigureAwait(false);
        else if (job.Attempts >= max)
            await jobs.FinishAsync(job.Id, JobStatus.Failed, new JobEvent
            {
                Message = $"worker lost: the worker running the job stopped or crashed {job.Attempts} times (Media:Jobs:MaxAttempts {max}); it is not run again",
            }, CancellationToken.None).ConfigureAwait(false);
        else
        {
            await jobs.ReturnToQueuedAsync(job.Id, "worker lost: the worker running the job stopped or crashed; it runs again", CancellationToken.None).ConfigureAwait(false);
            return true;
        }
        await queue.AcknowledgeAsync(lease, CancellationToken.None).ConfigureAwait(false);
        return false;
    }

    /// <summary>
    /// Renews the lease every third of its length while the job runs. A lease that cannot be renewed belongs to another
    /// worker now: the job stops here. Each renewal also reads the job's persisted cancel flag, in case a cancel message was missed.
    /// </summary>
    async Task RenewAsync(IJobQueue queue, JobLease lease, Action<bool> cancel, CancellationToken cancellationToken)
    {
        var every = options.Value.Lease / 3;
        try
        {
            while (true)
            {
                await Task.Delay(every, time, cancellationToken).ConfigureAwait(false);
                try
                {
                    if (!await queue.RenewAsync(lease, cancellationToken).ConfigureAwait(false)) { cancel(false); return; }
                    if ((await jobs.Store.GetAsync(lease.JobId, cancellationToken).ConfigureAwait(false))?.CancelRequested == true) cancel(true);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    logger.LogWarning(ex, "Could not renew the lease of job {JobId}; trying again", lease.JobId);
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested) { }
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
