namespace Media.Hosting.Models;

/// <summary>What a model slot can do right now.</summary>
public enum ModelState
{
    /// <summary>No checkpoint on disk: the model is not trained (or not installed) and serves nothing.</summary>
    Missing,
    /// <summary>A checkpoint is on disk; it loads on first use.</summary>
    Available,
    /// <summary>Loaded on a device and serving.</summary>
    Loaded,
    /// <summary>Loading failed; the reason says why.</summary>
    Failed,
}
