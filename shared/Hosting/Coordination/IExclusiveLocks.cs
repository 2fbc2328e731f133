namespace Media.Hosting.Coordination;

/// <summary>
/// Named locks for housekeeping that must run in one process at a time when several gateways share the stores: the batch
/// runner's passes and the retention sweeps. Embedded: <see cref="InProcessExclusiveLocks"/>; scale-out:
/// <see cref="Postgres.PostgresExclusiveLocks"/> (session advisory locks, released when the holder's connection ends, so a
/// gateway killed while it holds one does not block the others).
/// </summary>
public interface IExclusiveLocks
{
    /// <summary>Whether other processes compete for these locks (then work created elsewhere must be looked for, not waited for).</summary>
    bool Shared { get; }

    /// <summary>The lock <paramref name="name"/> if nobody holds it now, held until the handle is disposed; null when another holder has it.</summary>
    Task<IAsyncDisposable?> TryAcquireAsync(string name, CancellationToken cancellationToken);
}
