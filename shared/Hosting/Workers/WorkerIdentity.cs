namespace Media.Hosting.Workers;

/// <summary>This process's name as a queue consumer and model announcer: host, process id and a random suffix, unique per start.</summary>
public sealed class WorkerIdentity
{
    public string Name { get; } = $"{Environment.MachineName}-{Environment.ProcessId}-{Guid.NewGuid().ToString("N")[..8]}";
}
