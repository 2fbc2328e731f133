using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;
using Media.LocalCluster;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Media.Cli.Commands.Bench;

/// <summary>
/// <c>media bench scale-out</c> (issue 13): streamed image jobs through two gateway processes with one, then two image
/// worker processes (the built programs, one libtorch thread each, token-shuffle), on a redis-server and PostgreSQL of its
/// own. Prints jobs/min for each, their ratio, p99 event latency, and the events the clients lost against the jobs' logs.
/// </summary>
internal sealed class ScaleOutBenchCommand : AsyncCommand<ScaleOutBenchCommand.Settings>
{
    internal sealed class Settings : CommandSettings
    {
        [CommandOption("--jobs")]
        [Description("Image jobs per run, all submitted at once and each streamed over SSE")]
        [DefaultValue(200)]
        public int Jobs { get; init; } = 200;

        [CommandOption("--gateways")]
        [Description("Gateway processes (role gateway); each job is submitted to one and streamed from the next")]
        [DefaultValue(2)]
        public int Gateways { get; init; } = 2;

        [CommandOption("--workers")]
        [Description("Image worker processes of the second run (the first has one); the ratio is its jobs/min over the first's")]
        [DefaultValue(2)]
        public int Workers { get; init; } = 2;

        [CommandOption("--threads")]
        [Description("libtorch intra-op threads per worker process (Media:Torch:Threads)")]
        [DefaultValue(1)]
        public int Threads { get; init; } = 1;

        [CommandOption("--concurrency")]
        [Description("Jobs each worker runs at once (Media:Jobs:Concurrency:image)")]
        [DefaultValue(1)]
        public int Concurrency { get; init; } = 1;

        public override ValidationResult Validate()
        {
            if (Jobs is < 1 or > 10_000) return ValidationResult.Error("--jobs must be in 1..10000.");
            if (Gateways is < 1 or > 8) return ValidationResult.Error("--gateways must be in 1..8.");
            if (Workers is < 2 or > 16) return ValidationResult.Error("--workers must be in 2..16.");
            if (Threads is < 1 or > 64) return ValidationResult.Error("--threads must be in 1..64.");
            if (Concurrency is < 1 or > 64) return ValidationResult.Error("--concurrency must be in 1..64.");
            return ValidationResult.Success();
        }
    }

    public override async Task<int> ExecuteAsync(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        if (LocalServerProcesses.Missing is { } missing)
        {
            Console.Error.WriteLine($"bench scale-out needs redis-server and PostgreSQL: {missing}");
            return 2;
        }
        await using var servers = new LocalServerProcesses();
        var deployment = new DeploymentSettings
        {
            TorchThreads = settings.Threads, WorkerConcurrency = settings.Concurrency,
            QueueCapacity = settings.Jobs + settings.Workers * settings.Concurrency + 16,
        };
        var report = new Progress<string>(line => Console.Error.WriteLine(line));
        Console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{settings.Jobs} streamed image jobs ({ScaleOutBenchmark.Model}) through {settings.Gateways} gateways; {settings.Threads} libtorch thread(s) and {settings.Concurrency} job slot(s) per worker; {Environment.ProcessorCount} cores, load {ScaleOutBenchmark.LoadAverage()}"));
        var runs = new List<ScaleOutRun>();
        foreach (int workers in new[] { 1, settings.Workers })
        {
            var cpu = Process.GetCurrentProcess().TotalProcessorTime;
            var run = await ScaleOutBenchmark.RunAsync(servers, deployment, settings.Gateways, workers, settings.Jobs, report, cancellationToken);
            double benchCpu = (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalSeconds;
            runs.Add(run);
            Console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{workers} worker(s): {run.JobsPerMinute:F1} jobs/min ({run.Completed}/{run.Jobs} completed in {run.WallSeconds:F1} s wall); "
                + $"event p50 {run.Percentile(0.5):F1} ms, p99 {run.Percentile(0.99):F1} ms over {run.LatenciesMs.Count} live events; "
                + $"lost {run.Events.Lost}, duplicated {run.Events.Duplicated}, out of order {run.Events.OutOfOrder} of {run.Events.Logged} logged events; "
                + $"cpu s: gateways+workers {run.CpuSeconds:F1}, this client {benchCpu:F1}; load after {ScaleOutBenchmark.LoadAverage()}"));
        }
        var (one, many) = (runs[0], runs[1]);
        Console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture, $"jobs/min with 1 worker: {one.JobsPerMinute:F1}"));
        Console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture, $"jobs/min with {many.Workers} workers: {many.JobsPerMinute:F1}"));
        Console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture, $"event p99 ms: {Math.Max(one.Percentile(0.99), many.Percentile(0.99)):F1}"));
        Console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture, $"scale-out throughput ratio: {many.JobsPerMinute / one.JobsPerMinute:F2}"));
        Console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture, $"lost events: {one.Events.Lost + many.Events.Lost}"));
        return 0;
    }
}
