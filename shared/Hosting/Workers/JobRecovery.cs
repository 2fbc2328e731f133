using Media.Hosting.Batches;
using Media.Hosting.Files;
using Media.Hosting.Jobs;
using Media.Hosting.Queues;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Media.Hosting.Workers;

/// <summary>
/// At start, before any worker pulls: creates the stores' tables (a migration on an existing database). With in-process
/// queues (embedded) it then puts every queued job back in its queue, oldest first, and hands the jobs the store says
/// were running out again as lost leases (this process held them all): the worker cancels those asked to stop, fails
/// those that reached Media:Jobs:MaxAttempts with "worker lost", and runs the rest again. Durable queues (Redis) keep
/// their jobs and leases themselves: a running job is never requeued at start, since another worker may be running it.
/// </summary>
public sealed class JobRecovery(IJobStore store, IBatchStore batches, IFileStore files, IJobQueues queues, JobService jobs, IOptions<JobsOptions> options,
    ILogger<JobRecovery> logger, IEnumerable<IStoreInitializer>? initializers = null) : IHostedService
{
    readonly TaskCompletionSource done = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completes when recovery is over; workers wait for it.</summary>
    public Task Completed => done.Task;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        try
        {
            await store.InitializeAsync(cancellationToken).ConfigureAwait(false);
            await batches.InitializeAsync(cancellationToken).ConfigureAwait(false);
            await files.InitializeAsync(cancellationToken).ConfigureAwait(false);
            foreach (var initializer in initializers ?? []) await initializer.InitializeAsync(cancellationToken).ConfigureAwait(false);
            if (!queues.Durable) await RestoreQueuesAsync(cancellationToken).ConfigureAwait(false);
            done.TrySetResult();
        }
        catch (Exception ex)
        {
            done.TrySetException(ex);
            throw;
        }
    }

    async Task RestoreQueuesAsync(CancellationToken cancellationToken)
    {
        var interrupted = await store.ListByStatusAsync(JobStatus.Running, cancellationToken).ConfigureAwait(false);
        var lost = new List<Job>();
        foreach (var job in interrupted)
        {
            if (!job.CancelRequested && job.Attempts < options.Value.MaxAttempts && options.Value.RunningJobsOnRestart == RunningJobsOnRestart.Fail)
                await jobs.FinishAsync(job.Id, JobStatus.Failed, new JobEvent { Message = "the service restarted while the job was running" }, cancellationToken).ConfigureAwait(false);
            else lost.Add(job);
        }
        // Oldest first, so they leave in the order they were submitted; the interrupted ones join by their age.
        var queued = await store.ListByStatusAsync(JobStatus.Queued, cancellationToken).ConfigureAwait(false);
        foreach (var job in queued.Concat(lost).OrderBy(j => j.CreatedAt).ThenBy(j => j.Id, StringComparer.Ordinal))
            await queues.For(job.Family).EnqueueAsync(new QueuedJob(job.Id, job.Priority), true, cancellationToken).ConfigureAwait(false);
        if (interrupted.Count + queued.Count > 0)
            logger.LogInformation("Recovered {Queued} queued jobs ({Interrupted} were running: {Policy})", queued.Count, interrupted.Count, options.Value.RunningJobsOnRestart);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}

/// <summary>A store beside the job, batch and file stores whose schema is created or migrated at start (before any worker pulls).</summary>
public interface IStoreInitializer
{
    Task InitializeAsync(CancellationToken cancellationToken);
}
