using System.Diagnostics.Metrics;
using Media.Hosting.Jobs;
using Media.Hosting.Queues;

namespace Media.Hosting.Telemetry;

/// <summary>
/// The service's own instruments (meter <c>Media.Jobs</c>), exported by the gateway as Prometheus
/// text: queue depth by family and lane, jobs by status, time from submission to the first
/// generator event, and time per generation step.
/// </summary>
public sealed class JobMetrics
{
    public const string MeterName = "Media.Jobs";

    readonly Histogram<double> timeToFirstEvent;
    readonly Histogram<double> stepTime;
    readonly Counter<long> submitted;
    readonly Counter<long> finished;

    public JobMetrics(IMeterFactory meters, IJobQueues queues, IJobStore store)
    {
        ArgumentNullException.ThrowIfNull(meters);
        var meter = meters.Create(MeterName);
        meter.CreateObservableGauge("media.queue.depth", () => ObserveQueues(queues), unit: "{job}", description: "Jobs waiting in each family's queue.");
        meter.CreateObservableGauge("media.jobs", () => ObserveStatuses(store), unit: "{job}", description: "Jobs in the store by status.");
        timeToFirstEvent = meter.CreateHistogram<double>("media.job.time_to_first_event", unit: "s",
            description: "From submission to the first progress, preview or audio chunk.");
        stepTime = meter.CreateHistogram<double>("media.job.step_time", unit: "s", description: "Time between a job's progress events.");
        submitted = meter.CreateCounter<long>("media.jobs.submitted", unit: "{job}", description: "Jobs accepted.");
        finished = meter.CreateCounter<long>("media.jobs.finished", unit: "{job}", description: "Jobs that ended, by status.");
    }

    public void Submitted(Job job) => submitted.Add(1, Tags(job));

    public void Finished(Job job) =>
        finished.Add(1, [new("family", job.Family), new("model", job.Model), new("status", job.Status.ToString().ToLowerInvariant())]);

    public void FirstEvent(Job job, TimeSpan sinceSubmission) => timeToFirstEvent.Record(sinceSubmission.TotalSeconds, Tags(job));

    public void Step(Job job, TimeSpan duration) => stepTime.Record(duration.TotalSeconds, Tags(job));

    static KeyValuePair<string, object?>[] Tags(Job job) => [new("family", job.Family), new("model", job.Model)];

    // Like the statuses: one cheap read per family at a scrape, and the callback is synchronous.
    static IEnumerable<Measurement<int>> ObserveQueues(IJobQueues queues) =>
        [.. queues.All.Select(q => new Measurement<int>(q.CountAsync(CancellationToken.None).AsTask().GetAwaiter().GetResult(),
            new KeyValuePair<string, object?>("family", q.Family)))];

    static IEnumerable<Measurement<long>> ObserveStatuses(IJobStore store)
    {
        // Scrapes are rare and the count is one indexed query; the exporter's callback is synchronous.
        var counts = store.CountByStatusAsync(CancellationToken.None).GetAwaiter().GetResult();
        return counts.Select(c => new Measurement<long>(c.Value, new KeyValuePair<string, object?>("status", c.Key.ToString().ToLowerInvariant())));
    }
}
