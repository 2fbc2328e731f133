namespace Media.Gateway.Security;

/// <summary>The claims the key handler puts on an authenticated caller.</summary>
internal static class CallerClaims
{
    /// <summary>One claim per scope of the key (<see cref="Media.Hosting.Keys.ApiKeyScopes"/>).</summary>
    public const string Scope = "scope";

    /// <summary>The key's requests per minute (its own, or the configured default).</summary>
    public const string RequestsPerMinute = "media:requests_per_minute";

    public const string MaxActiveJobs = "media:max_active_jobs";

    public const string MaxQueuedJobs = "media:max_queued_jobs";
}
