namespace Media.Hosting.Jobs;

/// <summary>Why a submission was refused; the gateway turns each into its HTTP status.</summary>
public enum JobRejection
{
    /// <summary>A field is missing, of the wrong type or out of range (400).</summary>
    Invalid,
    /// <summary>No model has that id (404).</summary>
    UnknownModel,
    /// <summary>The model exists but cannot run: not trained, failed to load, or no generator in this build (409).</summary>
    ModelNotReady,
    /// <summary>The Idempotency-Key was used before with a different request (409).</summary>
    IdempotencyConflict,
    /// <summary>The family's queue is full; try again after <see cref="JobRejectedException.RetryAfter"/> (429).</summary>
    QueueFull,
    /// <summary>The owner already has as many unfinished jobs as its quota allows (429, retry after <see cref="JobRejectedException.RetryAfter"/>).</summary>
    QuotaExceeded,
}

/// <summary>A submission the service refuses, with a message for people and, for invalid ones, the errors by field.</summary>
public sealed class JobRejectedException : Exception
{
    public JobRejectedException() { }

    public JobRejectedException(string message) : base(message) { }

    public JobRejectedException(string message, Exception inner) : base(message, inner) { }

    public JobRejectedException(JobRejection rejection, string message, IReadOnlyDictionary<string, string[]>? errors = null, TimeSpan? retryAfter = null)
        : base(message)
    {
        Rejection = rejection;
        Errors = errors ?? new Dictionary<string, string[]>();
        RetryAfter = retryAfter;
    }

    public JobRejection Rejection { get; }
    public IReadOnlyDictionary<string, string[]> Errors { get; } = new Dictionary<string, string[]>();
    public TimeSpan? RetryAfter { get; }

    public static JobRejectedException Invalid(IReadOnlyDictionary<string, string[]> errors) =>
        new(JobRejection.Invalid, "The request has invalid fields.", errors);

    public static JobRejectedException Invalid(string field, string error) =>
        Invalid(new Dictionary<string, string[]> { [field] = [error] });
}
