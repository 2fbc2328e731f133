namespace Media.Modeling.Serving;

/// <summary>How a request left the scheduler (a failure faults its completion task instead).</summary>
public enum RequestStatus
{
    /// <summary>It reported itself done.</summary>
    Completed,

    /// <summary>It was cancelled by id, or the scheduler loop stopped before it finished.</summary>
    Cancelled,
}
