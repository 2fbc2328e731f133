namespace Media.Hosting.Models;

/// <summary>What a model slot can do right now. Available and Loaded are "ready": a job for the model is accepted.</summary>
public enum ModelState
{
    /// <summary>No checkpoint on disk (or, in the gateway role, no worker announces the model): it serves nothing.</summary>
    Missing,
    /// <summary>A checkpoint is on disk; it loads on first use.</summary>
    Available,
    /// <summary>Loaded on a device and serving.</summary>
    Loaded,
    /// <summary>Loading failed; the reason says why.</summary>
    Failed,
    /// <summary>Being loaded by its first job; jobs are accepted and wait for it.</summary>
    Loading,
}
