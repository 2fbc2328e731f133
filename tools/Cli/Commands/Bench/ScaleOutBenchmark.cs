using System.Diagnostics;
using Media.LocalCluster;

namespace Media.Cli.Commands.Bench;

/// <summary>One run of <c>media bench scale-out</c>: the figures of N image workers behind the gateways.</summary>
/// <param name="Workers">Image worker processes.</param>
/// <param name="Jobs">Jobs submitted (and streamed).</param>
/// <param name="Completed">Jobs that ended completed.</param>
/// <param name="WallSeconds">From the first submission to the last terminal event.</param>
/// <param name="CpuSeconds">CPU time of every gateway and worker process over the whole run (start-up and warm-up included).</param>
/// <param name="LatenciesMs">Live generator events (progress, preview): milliseconds from the worker's stamp to the client.</param>
/// <param name="Events">Events against the jobs' logs: lost, duplicated, out of order.</param>
internal sealed record ScaleOutRun(int Workers, int Jobs, int Completed, double WallSeconds, double CpuSeconds, List<double> LatenciesMs, EventTally Events)
{
    public double JobsPerMinute => Completed / WallSeconds * 60;

    public double Percentile(double p)
    {
        if (LatenciesMs.Count == 0) return double.NaN;
        var sorted = LatenciesMs.Order().ToList();
        return sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Count) - 1, 0, sorted.Count - 1)];
    }
}

/// <summary>
/// Issue 13's scale-out measurement: a <see cref="LocalDeployment"/> (the built gateway and image worker as processes, on
/// redis-server and PostgreSQL of its own) with the given gateways and image workers; every job is submitted through one
/// gateway and streamed over SSE from the next, all at once; then each job's full log is read back and compared with what
/// its client received (<see cref="EventTally"/>).
/// </summary>
internal static class ScaleOutBenchmark
{
    public const string Model = "token-shuffle";
    /// <summary>Seeds of the warm-up jobs, apart from the measured jobs' 0..N-1 (seeds are whole numbers from 0).</summary>
    const int WarmUpSeeds = 1_000_000;

    public static async Task<ScaleOutRun> RunAsync(LocalServerProcesses servers, DeploymentSettings settings, int gateways, int workers, int jobs,
        IProgress<string> progress, CancellationToken cancellationToken)
    {
        await using var deployment = await LocalDeployment.CreateAsync(servers, settings).ConfigureAwait(false);
        var gatewayProcesses = await Task.WhenAll(Enumerable.Range(0, gateways).Select(_ => deployment.StartGatewayAsync(cancellationToken))).ConfigureAwait(false);
        await Task.WhenAll(Enumerable.Range(0, workers).Select(_ => deployment.StartImageWorkerAsync(cancellationToken))).ConfigureAwait(false);
        foreach (var g in gatewayProcesses) await deployment.WaitForModelAsync(g, Model, cancellationToken).ConfigureAwait(false);
        var clients = gatewayProcesses.Select(g => new HttpClient { BaseAddress = g.Address, Timeout = TimeSpan.FromMinutes(30) }).ToList();
        try
        {
            // Warm-up: one job per worker slot at once, so every worker has loaded the model before anything is timed.
            int slots = workers * settings.WorkerConcurrency;
            progress.Report($"{workers} worker(s): warming up with {slots} job(s)");
            await Task.WhenAll(Enumerable.Range(0, slots).Select(i => RunJobAsync(clients, i, WarmUpSeeds + i, null, cancellationToken))).ConfigureAwait(false);

            progress.Report($"{workers} worker(s): {jobs} jobs");
            var clock = Stopwatch.StartNew();
            var results = await Task.WhenAll(Enumerable.Range(0, jobs).Select(i => RunJobAsync(clients, i, i, new List<double>(), cancellationToken))).ConfigureAwait(false);
            double wall = clock.Elapsed.TotalSeconds;
            var tally = results.Aggregate(EventTally.Zero, (sum, r) => sum + r.Tally);
            return new ScaleOutRun(workers, jobs, results.Count(r => r.Completed), wall, deployment.CpuTime.TotalSeconds,
                [.. results.SelectMany(r => r.Latencies)], tally);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            throw new InvalidOperationException($"{ex.Message}\n{deployment.Output}", ex);
        }
        finally
        {
            foreach (var c in clients) c.Dispose();
        }
    }

    sealed record JobResult(bool Completed, List<double> Latencies, EventTally Tally);

    /// <summary>
    /// Submits job <paramref name="index"/> through one gateway, streams it from the next to its terminal event (timing the
    /// live generator events when <paramref name="latencies"/> is given), then reads its full log back for the tally.
    /// </summary>
    static async Task<JobResult> RunJobAsync(List<HttpClient> gateways, int index, int seed, List<double>? latencies, CancellationToken cancellationToken)
    {
        var submitTo = gateways[index % gateways.Count];
        var streamFrom = gateways[(index + 1) % gateways.Count];
        string id = await GatewayJobStream.SubmitAsync(submitTo, new { kind = "image", model = Model, parameters = new { prompt = Prompts[seed % Prompts.Length], seed } },
            $"image job {index}", cancellationToken).ConfigureAwait(false);
        var requested = DateTimeOffset.UtcNow;
        var received = new List<long>();
        string? terminal = null;
        await foreach (var e in GatewayJobStream.EventsAsync(streamFrom, id, cancellationToken).ConfigureAwait(false))
        {
            received.Add(e.Id);
            if (latencies is not null && e.Type is "progress" or "preview")
            {
                var at = e.Stamp();
                if (at >= requested) latencies.Add((e.Received - at).TotalMilliseconds);
            }
            if (e.Type is "completed" or "failed" or "cancelled") { terminal = e.Type; break; }
        }
        var logged = new List<long>();
        await foreach (var e in GatewayJobStream.EventsAsync(submitTo, id, cancellationToken).ConfigureAwait(false))
        {
            logged.Add(e.Id);
            if (e.Type is "completed" or "failed" or "cancelled") break;
        }
        return new JobResult(terminal == "completed", latencies ?? [], EventTally.Count(received, logged));
    }

    static readonly string[] Prompts =
    [
        "a red circle to the left of a blue square", "a yellow star in the middle", "a green triangle at the top",
        "a blue square in the middle", "a red star at the bottom",
    ];

    /// <summary>The machine's load averages (<c>/proc/loadavg</c>), for the figures' context.</summary>
    public static string LoadAverage()
    {
        try { return string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)); }
        catch (IOException) { return "unknown"; }
    }

}
