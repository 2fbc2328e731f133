namespace Media.Gateway.Security;

/// <summary>When keys are needed.</summary>
public enum KeysRequired
{
    /// <summary>Optional while every address the gateway listens on is loopback; required as soon as one is not.</summary>
    Auto,
    /// <summary>Required whatever the address.</summary>
    Always,
}

/// <summary>API keys and their default limits, bound from configuration section <c>Media:Keys</c>.</summary>
public sealed class KeyOptions
{
    public const string Section = "Media:Keys";

    public KeysRequired Required { get; set; } = KeysRequired.Auto;

    /// <summary>Requests per minute per key, for keys created without their own figure (429 with Retry-After beyond it).</summary>
    public int RequestsPerMinute { get; set; } = 300;

    /// <summary>Unfinished (queued or running) interactive jobs per key at once, for keys without their own figure.</summary>
    public int MaxActiveJobs { get; set; } = 32;

    /// <summary>Queued interactive jobs per key at once, for keys without their own figure.</summary>
    public int MaxQueuedJobs { get; set; } = 16;
}

/// <summary>Which other web origins may call the gateway from a browser, bound from <c>Media:Cors</c>.</summary>
public sealed class CorsSettings
{
    public const string Section = "Media:Cors";

    /// <summary>Origins (<c>https://app.example.com</c>) allowed by the CORS policy and on the hub; empty: only the gateway's own pages.</summary>
    public string[] AllowedOrigins { get; set; } = [];
}
