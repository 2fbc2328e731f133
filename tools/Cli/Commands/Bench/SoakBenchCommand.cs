using System.ComponentModel;
using System.Globalization;
using Media.Modeling.Devices;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Media.Cli.Commands.Bench;

/// <summary>
/// <c>media bench soak</c>: the gateway in this process on a loopback port with the committed default models, and
/// <c>--clients</c> streaming clients sending mixed generations (image, speech, codec encode and decode) through
/// /api/jobs and SSE until <c>--generations</c> have finished. After the warm-up and at the end it reads the
/// process's resident memory, the gateway's live tensors (its /metrics) and its open file handles (/proc/self/fd),
/// and prints their growth beside the p99 event latency.
/// </summary>
internal sealed class SoakBenchCommand : AsyncCommand<SoakBenchCommand.Settings>
{
    internal sealed class Settings : CommandSettings
    {
        [CommandOption("--generations")]
        [Description("Generations in all, warm-up included (image, speech, codec encode, codec decode in turn)")]
        [DefaultValue(1000)]
        public int Generations { get; init; } = 1000;

        [CommandOption("--warmup")]
        [Description("Generations before the first measurement (models load, pools and caches fill)")]
        [DefaultValue(100)]
        public int Warmup { get; init; } = 100;

        [CommandOption("--clients")]
        [Description("Concurrent streaming clients, each submitting a job and reading its SSE stream to the end, again and again")]
        [DefaultValue(50)]
        public int Clients { get; init; } = 50;

        [CommandOption("--models")]
        [Description("Models folder (default: the checkout's models/)")]
        public string? Models { get; init; }

        [CommandOption("--threads")]
        [Description("libtorch intra-op threads (0 = one thread, as DeviceSelector applies it)")]
        [DefaultValue(0)]
        public int Threads { get; init; }

        public override ValidationResult Validate()
        {
            if (Threads < 0) return ValidationResult.Error("--threads must be 0 (default) or positive.");
            if (Clients is < 1 or > 1000) return ValidationResult.Error("--clients must be in 1..1000.");
            if (Generations is < 8 or > 1_000_000) return ValidationResult.Error("--generations must be in 8..1000000.");
            if (Warmup < 4 || Warmup >= Generations) return ValidationResult.Error("--warmup must be at least 4 and below --generations.");
            return ValidationResult.Success();
        }
    }

    public override async Task<int> ExecuteAsync(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        DeviceSelector.Apply(new TorchOptions { Threads = settings.Threads });
        await using var soak = await GatewaySoak.StartAsync(settings.Models, settings.Clients, cancellationToken);
        Console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"gateway on {soak.BaseAddress}; models {soak.ModelsDirectory}; {settings.Clients} clients, {settings.Generations} generations ({settings.Warmup} warm-up), {TorchSharp.torch.get_num_threads()} torch threads"));

        string loadBefore = LoadAverage();
        var result = await soak.RunAsync(settings.Generations, settings.Warmup, settings.Clients,
            progress: line => Console.Out.WriteLine(line), cancellationToken);
        var (warm, end) = (result.AfterWarmup, result.AtEnd);
        Console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture, $"rss growth after warm-up: {100.0 * (end.RssBytes - warm.RssBytes) / warm.RssBytes:F2}%"));
        Console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture, $"live tensors growth: {end.LiveTensors - warm.LiveTensors}"));
        Console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture, $"open handles growth: {end.OpenHandles - warm.OpenHandles}"));
        Console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture, $"p99 event latency ms: {result.Latency.Percentile(0.99):F2}"));
        Console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"  after warm-up: rss {warm.RssBytes / 1048576.0:F1} MiB, {warm.LiveTensors} live tensors, {warm.OpenHandles} handles; at the end: rss {end.RssBytes / 1048576.0:F1} MiB, {end.LiveTensors} live tensors, {end.OpenHandles} handles"));
        Console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"  {result.Finished} generations ({string.Join(", ", result.ByKind.Select(k => $"{k.Key} {k.Value}"))}) in {result.WallSeconds:F0} s, CPU {result.CpuSeconds:F0} s; "
            + $"{result.Latency.Live.Count} live events timed, p50 {result.Latency.Percentile(0.5):F2} ms, max {result.Latency.Live.Max():F2} ms; failed jobs: {result.Failed}"));
        // The machine's load beside the figures: latency on a shared 2-core box depends on what else runs.
        Console.Out.WriteLine($"  load average (1, 5, 15 min) at the start: {loadBefore}; at the end: {LoadAverage()}");
        return result.Failed == 0 ? 0 : 1;
    }

    static string LoadAverage() =>
        File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "unknown";
}
