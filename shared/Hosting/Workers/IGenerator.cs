using Media.Hosting.Jobs;

namespace Media.Hosting.Workers;

/// <summary>A finished output of a job: the bytes and their media type (image/png, audio/wav, ...).</summary>
public sealed record GeneratedArtifact(ReadOnlyMemory<byte> Content, string ContentType, string? Name = null);

/// <summary>
/// Runs jobs for one model. The family worker calls <see cref="RunAsync"/> with the job's validated
/// parameters; the generator reports progress, previews and audio chunks through the sink as it
/// goes, checks <paramref name="cancellationToken"/> at every step (cancellation stops it at the next
/// one), and returns its artifacts. An exception fails the job with the exception's message.
/// </summary>
public interface IGenerator
{
    Task<IReadOnlyList<GeneratedArtifact>> RunAsync(Job job, IJobEventSink events, CancellationToken cancellationToken);
}

/// <summary>Where a generator reports what it is doing; each call becomes an event in the job's stream.</summary>
public interface IJobEventSink
{
    /// <summary>Step <paramref name="step"/> (1-based) of <paramref name="totalSteps"/> is done.</summary>
    ValueTask ProgressAsync(int step, int totalSteps, CancellationToken cancellationToken);

    /// <summary>A PNG of the image as it stands after <paramref name="step"/>.</summary>
    ValueTask PreviewAsync(ReadOnlyMemory<byte> png, int step, int totalSteps, CancellationToken cancellationToken);

    /// <summary>The next piece of audio as 16-bit little-endian PCM, interleaved when there are several channels.</summary>
    ValueTask AudioChunkAsync(ReadOnlyMemory<byte> pcm16, int sampleRate, int channels, CancellationToken cancellationToken);
}
