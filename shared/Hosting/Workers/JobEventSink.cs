using Media.Hosting.Jobs;
using Media.Hosting.Telemetry;

namespace Media.Hosting.Workers;

/// <summary>Turns a generator's reports into persisted, published events of one running job, and times them.</summary>
internal sealed class JobEventSink(Job job, JobService jobs, JobMetrics metrics, TimeProvider time) : IJobEventSink
{
    long lastStepAt = -1;
    bool first = true;

    public async ValueTask ProgressAsync(int step, int totalSteps, CancellationToken cancellationToken)
    {
        if (totalSteps < 1 || step < 0 || step > totalSteps)
            throw new ArgumentOutOfRangeException(nameof(step), $"Progress {step}/{totalSteps} is not a step of 1..{totalSteps}.");
        long now = time.GetTimestamp();
        if (lastStepAt >= 0) metrics.Step(job, time.GetElapsedTime(lastStepAt, now));
        lastStepAt = now;
        await AppendAsync(new JobEvent { JobId = job.Id, Type = JobEventType.Progress, Step = step, TotalSteps = totalSteps }, cancellationToken).ConfigureAwait(false);
    }

    public ValueTask PreviewAsync(ReadOnlyMemory<byte> png, int step, int totalSteps, CancellationToken cancellationToken) =>
        AppendAsync(new JobEvent
        {
            JobId = job.Id, Type = JobEventType.Preview, Step = step, TotalSteps = totalSteps, ContentType = "image/png", Payload = png.ToArray(),
        }, cancellationToken);

    public ValueTask AudioChunkAsync(ReadOnlyMemory<byte> pcm16, int sampleRate, int channels, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(sampleRate, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(channels, 1);
        if (pcm16.Length % (2 * channels) != 0)
            throw new ArgumentException($"{pcm16.Length} bytes is not a whole number of 16-bit frames of {channels} channel(s).", nameof(pcm16));
        return AppendAsync(new JobEvent
        {
            JobId = job.Id, Type = JobEventType.AudioChunk, ContentType = "audio/pcm", SampleRate = sampleRate, Channels = channels, Payload = pcm16.ToArray(),
        }, cancellationToken);
    }

    async ValueTask AppendAsync(JobEvent evt, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (first)
        {
            first = false;
            metrics.FirstEvent(job, time.GetUtcNow() - job.CreatedAt);
        }
        await jobs.AppendAsync(evt, cancellationToken).ConfigureAwait(false);
    }
}
