using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text.Json;
using Media.Gateway;
using Media.Hosting.Jobs;
using Media.Hosting.Workers;
using Media.Services.Audio.Codec;
using Media.Tokenizers.Audio.Codec;
using Microsoft.AspNetCore.Builder;
using Microsoft.Data.Sqlite;

namespace Media.Cli.Commands.Bench;

/// <summary>
/// The gateway application (the same build as the program) on Kestrel at a free 127.0.0.1 port, with its
/// data under a temporary folder and a tiny random media-codec as its only trained model; one client
/// and one directly loaded codec generator measure it. Events are timed by the store's <c>at</c> stamp,
/// set as the generator's event is appended, against the time the client reads it (one process, one clock).
/// </summary>
internal sealed class GatewayBenchmark : IAsyncDisposable
{
    readonly string root;
    readonly WebApplication app;
    readonly HttpClient client;
    readonly CodecGenerator direct;
    readonly object parameters;
    readonly JsonElement parametersJson;

    GatewayBenchmark(string root, WebApplication app, HttpClient client, CodecGenerator direct, IReadOnlyList<IReadOnlyList<int>> codes, int sampleRate)
    {
        (this.root, this.app, this.client, this.direct, SampleRate, Codebooks) = (root, app, client, direct, sampleRate, codes.Count);
        parameters = new { codes };
        parametersJson = JsonSerializer.SerializeToElement(parameters);
    }

    public Uri BaseAddress => client.BaseAddress!;
    public int SampleRate { get; }
    public int Codebooks { get; }

    public static async Task<GatewayBenchmark> StartAsync(double seconds, int queueCapacity, CancellationToken cancellationToken)
    {
        string root = Directory.CreateTempSubdirectory("media-bench-gateway-").FullName;
        string models = Path.Combine(root, "models");
        string folder = RandomCodecCheckpoint.Write(models);
        var config = RandomCodecCheckpoint.Tiny;
        int frames = (int)Math.Ceiling(seconds * config.FrameRate);
        var random = new Random(3);
        var codes = Enumerable.Range(0, config.NumQuantizers)
            .Select(_ => (IReadOnlyList<int>)[.. Enumerable.Range(0, frames).Select(_ => random.Next(config.CodebookSize))]).ToList();

        int port = GatewayJobStream.FreePort();
        var app = GatewayApplication.Build([
            "--urls", $"http://127.0.0.1:{port}",
            $"--Media:DataDirectory={Path.Combine(root, "data")}",
            $"--Media:ModelsDirectory={models}",
            $"--Media:Jobs:QueueCapacity={queueCapacity}",
            "--Logging:LogLevel:Default=Warning",
        ]);
        await app.StartAsync(cancellationToken).ConfigureAwait(false);
        var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromMinutes(5) };
        var bench = new GatewayBenchmark(root, app, client, new CodecGenerator(NeuralAudioCodec.Load(folder)), codes, config.SamplingRate);
        // Warm-up: the gateway loads its model on the first job; both paths run once before anything is timed.
        await bench.RunThroughGatewayAsync(null, cancellationToken).ConfigureAwait(false);
        await bench.RunDirectAsync(cancellationToken).ConfigureAwait(false);
        return bench;
    }

    /// <summary>Milliseconds from each generator event's store stamp to its arrival at a client.</summary>
    internal sealed record Latency(List<double> Live, int Replayed, double WallSeconds)
    {
        public double Percentile(double p)
        {
            var sorted = Live.Order().ToList();
            return sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Count) - 1, 0, sorted.Count - 1)];
        }
    }

    /// <summary><paramref name="clients"/> clients at once, each submitting a job and streaming its events over SSE.</summary>
    public async Task<Latency> MeasureLatencyAsync(int clients, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        var results = await Task.WhenAll(Enumerable.Range(0, clients).Select(_ => Task.Run(async () =>
        {
            var timings = new List<(double Ms, bool Live)>();
            await RunThroughGatewayAsync(timings, cancellationToken).ConfigureAwait(false);
            return timings;
        }, cancellationToken))).ConfigureAwait(false);
        var all = results.SelectMany(r => r).ToList();
        var live = all.Where(t => t.Live).Select(t => t.Ms).ToList();
        if (live.Count == 0) throw new InvalidOperationException("No generator event reached a client live; every job finished before its stream was opened.");
        return new Latency(live, all.Count - live.Count, clock.Elapsed.TotalSeconds);
    }

    /// <summary>
    /// Where a job's time through the gateway went, in ms by the store's stamps: the POST until the job was
    /// queued, waiting in the queue, running (the generator and the persisting of its events), and the
    /// terminal event's way to the client.
    /// </summary>
    internal sealed record Stages(double Submit, double Queue, double Run, double Delivery)
    {
        public static Stages operator +(Stages a, Stages b) => new(a.Submit + b.Submit, a.Queue + b.Queue, a.Run + b.Run, a.Delivery + b.Delivery);
        public Stages Per(int n) => new(Submit / n, Queue / n, Run / n, Delivery / n);
    }

    /// <summary>Seconds for <paramref name="jobs"/> jobs through the gateway and as direct generator calls, one at a time, alternating.</summary>
    public async Task<(double Gateway, double Direct, Stages Stages)> MeasureOverheadAsync(int jobs, CancellationToken cancellationToken)
    {
        double gateway = 0, direct = 0;
        var stages = new Stages(0, 0, 0, 0);
        for (int i = 0; i < jobs; i++)
        {
            long start = Stopwatch.GetTimestamp();
            stages += await RunThroughGatewayAsync(null, cancellationToken).ConfigureAwait(false);
            gateway += Stopwatch.GetElapsedTime(start).TotalSeconds;
            start = Stopwatch.GetTimestamp();
            await RunDirectAsync(cancellationToken).ConfigureAwait(false);
            direct += Stopwatch.GetElapsedTime(start).TotalSeconds;
        }
        return (gateway, direct, stages.Per(jobs));
    }

    /// <summary>
    /// Submits one audio-decode job and reads its SSE stream to the terminal event. With <paramref name="timings"/>,
    /// each generator event (audio-chunk, progress) is timed; it counts as live when it was stamped after the
    /// stream was requested (earlier ones come from the log, not from the generator).
    /// </summary>
    async Task<Stages> RunThroughGatewayAsync(List<(double Ms, bool Live)>? timings, CancellationToken cancellationToken)
    {
        var posted = DateTimeOffset.UtcNow;
        DateTimeOffset queued = default, started = default;
        string id = await GatewayJobStream.SubmitAsync(client, new { kind = CodecJobKinds.Decode, model = CodecServiceExtensions.ModelId, parameters = parameters }, "the job", cancellationToken).ConfigureAwait(false);
        var requested = DateTimeOffset.UtcNow;
        await foreach (var e in GatewayJobStream.EventsAsync(client, id, cancellationToken).ConfigureAwait(false))
        {
            if (e.Type is "completed" or "queued" or "started")
            {
                var at = e.Stamp();
                if (e.Type is "queued") queued = at;
                else if (e.Type is "started") started = at;
                else return new Stages((queued - posted).TotalMilliseconds, (started - queued).TotalMilliseconds, (at - started).TotalMilliseconds, (e.Received - at).TotalMilliseconds);
            }
            if (e.Type is "failed" or "cancelled") throw new InvalidOperationException($"Job {id} ended {e.Type}: {e.Data}");
            if (timings is not null && e.Type is "audio-chunk" or "progress")
            {
                var at = e.Stamp();
                timings.Add(((e.Received - at).TotalMilliseconds, at >= requested));
            }
        }
        throw new InvalidOperationException($"The event stream of job {id} ended before its terminal event.");
    }

    async Task RunDirectAsync(CancellationToken cancellationToken)
    {
        var job = new Job
        {
            Id = Job.NewId(), Kind = CodecJobKinds.Decode, Model = CodecServiceExtensions.ModelId, Family = "audio",
            Parameters = parametersJson, Owner = "bench", Status = JobStatus.Running, CreatedAt = DateTimeOffset.UtcNow,
        };
        var sink = new CollectingSink();
        var artifacts = await direct.RunAsync(job, sink, cancellationToken).ConfigureAwait(false);
        if (artifacts.Count != 1 || sink.Events == 0) throw new InvalidOperationException("The direct decode returned no audio.");
    }

    /// <summary>What a direct caller gets from the generator: the chunks, kept in memory.</summary>
    sealed class CollectingSink : IJobEventSink
    {
        readonly List<byte[]> chunks = [];
        public int Events { get; private set; }

        public ValueTask ProgressAsync(int step, int totalSteps, CancellationToken cancellationToken)
        {
            Events++;
            return ValueTask.CompletedTask;
        }

        public ValueTask PreviewAsync(ReadOnlyMemory<byte> png, int step, int totalSteps, CancellationToken cancellationToken)
        {
            Events++;
            return ValueTask.CompletedTask;
        }

        public ValueTask AudioChunkAsync(ReadOnlyMemory<byte> pcm16, int sampleRate, int channels, CancellationToken cancellationToken)
        {
            chunks.Add(pcm16.ToArray());
            Events++;
            return ValueTask.CompletedTask;
        }
    }

    public async ValueTask DisposeAsync()
    {
        client.Dispose();
        await app.StopAsync().ConfigureAwait(false);
        await app.DisposeAsync().ConfigureAwait(false);
        direct.Dispose();
        SqliteConnection.ClearAllPools();
        Directory.Delete(root, recursive: true);
    }
}
