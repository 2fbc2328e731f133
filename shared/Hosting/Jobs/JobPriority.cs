namespace Media.Hosting.Jobs;

/// <summary>Interactive jobs (someone is watching) always leave a queue before batch jobs.</summary>
public enum JobPriority
{
    Interactive,
    Batch,
}
