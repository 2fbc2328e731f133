namespace Media.Hosting.Jobs;

/// <summary>What happened to a job. The last three end its event stream.</summary>
public enum JobEventType
{
    Queued,
    Started,
    Progress,
    Preview,
    AudioChunk,
    Completed,
    Failed,
    Cancelled,
}
