namespace Media.Hosting.Health;

/// <summary>
/// Tags of the registered health checks. <c>/readyz</c> runs the checks tagged <see cref="Ready"/>; a store
/// added later (Redis, PostgreSQL) registers its own check with this tag and readiness includes it.
/// </summary>
public static class HealthTags
{
    public const string Ready = "ready";
}
