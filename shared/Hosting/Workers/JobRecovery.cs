using Media.Hosting.Batches;
using Media.Hosting.Files;
using Media.Hosting.Jobs;
using Media.Hosting.Queues;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Media.Hosting.Workers;

/// <summary>
/// At start, before any worker pulls: creates the stores' tables, puts every queued job back in its
/// queue (oldest first) and re-queues or fails the jobs that were running when the process stopped.
/// Finished jobs are left as they are, with their events and artifacts.
/// </summary>
public sealed class JobRecovery(IJobStore store, IBatchStore batches, IFileStore files, IJobQueues queues, JobService jobs, IOptions<JobsOptions> options, ILogger<JobRecovery> logger) : IHostedService
{
    readonly TaskCompletionSource _done = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completes when recovery is over; workers wait for it.</summary>
    public Task Completed => _done.Task;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        try
        {
            await store.InitializeAsync(cancellationToken).ConfigureAwait(false);
            await batches.InitializeAsync(cancellationToken).ConfigureAwait(false);
            await files.InitializeAsync(cancellationToken).ConfigureAwait(false);
            var interrupted = await store.ListByStatusAsync(JobStatus.Running, cancellationToken).ConfigureAwait(false);
            foreach (var job in interrupted)
            {
                if (job.CancelRequested)
                    await jobs.FinishAsync(job.Id, JobStatus.Cancelled, new JobEvent { Message = "cancelled by request (the service restarted before the job stopped)" }, cancellationToken).ConfigureAwait(false);
                else if (job.Attempts >= options.Value.MaxAttempts)
                    await jobs.FinishAsync(job.Id, JobStatus.Failed, new JobEvent
                    {
                        Message = $"worker lost: the service stopped while the job ran, {job.Attempts} times (Media:Jobs:MaxAttempts {options.Value.MaxAttempts}); it is not run again",
                    }, cancellationToken).ConfigureAwait(false);
                else if (options.Value.RunningJobsOnRestart == RunningJobsOnRestart.Fail)
                    await jobs.FinishAsync(job.Id, JobStatus.Failed, new JobEvent { Message = "the service restarted while the job was running" }, cancellationToken).ConfigureAwait(false);
                else
                    await store.TransitionAsync(job.Id, JobStatus.Queued, new JobEvent { Message = "the service restarted while the job was running; it runs again" }, cancellationToken).ConfigureAwait(false);
            }
            // Oldest first, so they leave in the order they were submitted; re-queued ones join by their age.
            var queued = await store.ListByStatusAsync(JobStatus.Queued, cancellationToken).ConfigureAwait(false);
            foreach (var job in queued) queues.For(job.Family).TryEnqueue(new QueuedJob(job.Id, job.Priority), ignoreLimit: true);
            if (interrupted.Count + queued.Count > 0)
                logger.LogInformation("Recovered {Queued} queued jobs ({Interrupted} were running: {Policy})", queued.Count, interrupted.Count, options.Value.RunningJobsOnRestart);
            _done.TrySetResult();
        }
        catch (Exception ex)
        {
            _done.TrySetException(ex);
            throw;
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
