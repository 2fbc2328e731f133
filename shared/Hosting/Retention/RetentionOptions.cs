namespace Media.Hosting.Retention;

/// <summary>How long finished work is kept, bound from configuration section <c>Media:Retention</c>.</summary>
public sealed class RetentionOptions
{
    public const string Section = "Media:Retention";

    /// <summary>Finished jobs and batches older than this are deleted with their events; zero keeps everything.</summary>
    public TimeSpan MaxAge { get; set; } = TimeSpan.FromDays(30);

    /// <summary>How often the sweeper runs.</summary>
    public TimeSpan SweepInterval { get; set; } = TimeSpan.FromHours(1);

    /// <summary>
    /// An artifact no job or batch holds is deleted once it has not been saved for this long. The wait covers
    /// the moment between a worker storing a file and the job recording it.
    /// </summary>
    public TimeSpan ArtifactGrace { get; set; } = TimeSpan.FromHours(1);
}
