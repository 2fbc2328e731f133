using System.ComponentModel;
using System.Globalization;
using Media.Modeling.Devices;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Media.Cli.Commands.Bench;

/// <summary>
/// <c>media bench gateway</c>: the gateway in this process on a loopback port, serving a tiny random
/// media-codec. Prints generator-to-client event latency for concurrent SSE clients (p50, p99) and the
/// gateway's overhead: jobs submitted and streamed over HTTP against direct generator calls of the same work.
/// </summary>
internal sealed class GatewayBenchCommand : AsyncCommand<GatewayBenchCommand.Settings>
{
    internal sealed class Settings : CommandSettings
    {
        [CommandOption("--clients")]
        [Description("Concurrent streaming clients, each submitting one audio-decode job")]
        [DefaultValue(50)]
        public int Clients { get; init; } = 50;

        [CommandOption("--jobs")]
        [Description("Jobs timed one at a time through the gateway and as direct generator calls (interleaved)")]
        [DefaultValue(20)]
        public int Jobs { get; init; } = 20;

        [CommandOption("--seconds")]
        [Description("Seconds of audio each job decodes (a chunk event and a progress event per 0.5 s)")]
        [DefaultValue(2.0)]
        public double Seconds { get; init; } = 2.0;

        [CommandOption("--threads")]
        [Description("libtorch intra-op threads for the generator (0 = one thread, as DeviceSelector applies it); the rest of the cores serve HTTP")]
        [DefaultValue(0)]
        public int Threads { get; init; }

        public override ValidationResult Validate()
        {
            if (Threads < 0) return ValidationResult.Error("--threads must be 0 (default) or positive.");
            if (Clients is < 1 or > 1000) return ValidationResult.Error("--clients must be in 1..1000.");
            if (Jobs is < 1 or > 10_000) return ValidationResult.Error("--jobs must be in 1..10000.");
            if (!double.IsFinite(Seconds) || Seconds < 0.1 || Seconds > 60) return ValidationResult.Error("--seconds must be in [0.1, 60].");
            return ValidationResult.Success();
        }
    }

    public override async Task<int> ExecuteAsync(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        DeviceSelector.Apply(new TorchOptions { Threads = settings.Threads });
        await using var bench = await GatewayBenchmark.StartAsync(settings.Seconds, queueCapacity: settings.Clients + 16, cancellationToken);
        Console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"gateway on {bench.BaseAddress}; media-codec tiny random ({bench.SampleRate / 1000.0:0.#} kHz, {bench.Codebooks} codebooks), {settings.Seconds:0.##} s of audio per job, {TorchSharp.torch.get_num_threads()} torch threads"));

        var latency = await bench.MeasureLatencyAsync(settings.Clients, cancellationToken);
        Console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture, $"event p50 ms: {latency.Percentile(0.50):F2}"));
        Console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture, $"event p99 ms: {latency.Percentile(0.99):F2}"));
        Console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"  {settings.Clients} clients, {latency.Live.Count} live generator events (audio-chunk, progress) timed, {latency.Replayed} emitted before their client's request and not timed; "
            + $"mean {latency.Live.Average():F2} ms, max {latency.Live.Max():F2} ms; all jobs done in {latency.WallSeconds:F2} s"));

        var overhead = await bench.MeasureOverheadAsync(settings.Jobs, cancellationToken);
        Console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture, $"gateway overhead: {overhead.Gateway / overhead.Direct:F2}"));
        Console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"  {settings.Jobs} jobs one at a time, interleaved: through the gateway (submit + SSE to completion) {overhead.Gateway:F3} s ({1000 * overhead.Gateway / settings.Jobs:F2} ms/job), "
            + $"direct generator calls {overhead.Direct:F3} s ({1000 * overhead.Direct / settings.Jobs:F2} ms/job)"));
        var s = overhead.Stages;
        Console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"  gateway ms/job by stage: submit {s.Submit:F2}, queue wait {s.Queue:F2}, run (generator + event persistence) {s.Run:F2}, terminal event to client {s.Delivery:F2}"));
        return 0;
    }
}
