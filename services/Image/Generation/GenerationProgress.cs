using Media.Hosting.Workers;
using Media.Services.Image.Data;

namespace Media.Services.Image.Generation;

/// <summary>After window <see cref="Window"/> (1-based) of <see cref="Windows"/>: a preview when a row of windows just completed.</summary>
public sealed record GenerationProgress(int Window, int Windows, RgbImage? Preview)
{
    /// <summary>What every image generator's job reports: each step's progress, and its preview as PNG when there is one.</summary>
    public static Func<GenerationProgress, ValueTask> ToJobEvents(IJobEventSink events, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(events);
        return async progress =>
        {
            await events.ProgressAsync(progress.Window, progress.Windows, cancellationToken).ConfigureAwait(false);
            if (progress.Preview is { } preview)
                await events.PreviewAsync(preview.EncodePng(), progress.Window, progress.Windows, cancellationToken).ConfigureAwait(false);
        };
    }
}
