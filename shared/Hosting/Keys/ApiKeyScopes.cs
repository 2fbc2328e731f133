namespace Media.Hosting.Keys;

/// <summary>What a key may do.</summary>
public static class ApiKeyScopes
{
    /// <summary>Submit jobs and batches; read, follow and cancel its own jobs, artifacts and batches.</summary>
    public const string Jobs = "jobs";

    /// <summary>Everything <see cref="Jobs"/> allows, over every owner's jobs, artifacts and batches; and /metrics.</summary>
    public const string Admin = "admin";

    public static readonly IReadOnlyList<string> All = [Jobs, Admin];
}
