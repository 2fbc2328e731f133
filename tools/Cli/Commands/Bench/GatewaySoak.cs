using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text.Json;
using Media.Audio.IO;
using Media.Gateway;
using Media.Tokenizers.Audio.Codec;
using Microsoft.AspNetCore.Builder;
using Microsoft.Data.Sqlite;

namespace Media.Cli.Commands.Bench;

/// <summary>
/// The soak behind <c>media bench soak</c>: the gateway application (the program's build) on Kestrel at a free
/// 127.0.0.1 port, data under a temporary folder, the committed models; clients that submit mixed jobs, stream each
/// over SSE to its terminal event and fetch its artifact. Measurements are taken at quiet points (no job in flight,
/// after a full garbage collection, so only what is still referenced counts).
/// </summary>
internal sealed class GatewaySoak : IAsyncDisposable
{
    static readonly string[] Prompts =
    [
        "a red circle to the left of a blue square", "a yellow star in the middle", "a small green triangle at the top",
        "a big purple square on the right", "a blue circle below a red star",
    ];

    static readonly string[] Sentences =
    [
        "The quick brown fox jumps over the lazy dog.", "Hello there, how are you today?", "It is a bright and sunny morning.",
        "Please bring me a cup of tea.", "We will meet again tomorrow.",
    ];

    readonly string root;
    readonly WebApplication app;
    readonly HttpClient client;
    readonly string wav;
    IReadOnlyList<IReadOnlyList<int>>? codes;

    GatewaySoak(string root, WebApplication app, HttpClient client, string models)
    {
        (this.root, this.app, this.client, ModelsDirectory) = (root, app, client, models);
        // One second of a falling chirp at the codec's 16 kHz: speech-like enough for the encoder, the same every run.
        var samples = Enumerable.Range(0, 16_000).Select(i => 0.4f * MathF.Sin(2 * MathF.PI * (600 - 0.01f * i) * i / 16_000f)).ToArray();
        wav = Convert.ToBase64String(WavFile.ToBytes(AudioBuffer.FromMono(samples, 16_000)));
    }

    public Uri BaseAddress => client.BaseAddress!;
    public string ModelsDirectory { get; }

    public static async Task<GatewaySoak> StartAsync(string? models, int clients, CancellationToken cancellationToken)
    {
        string root = Directory.CreateTempSubdirectory("media-bench-soak-").FullName;
        int port = GatewayJobStream.FreePort();
        var args = new List<string>
        {
            "--urls", $"http://127.0.0.1:{port}",
            $"--Media:DataDirectory={Path.Combine(root, "data")}",
            $"--Media:Jobs:QueueCapacity={clients + 16}",
            "--Logging:LogLevel:Default=Warning",
        };
        if (models is not null) args.Add($"--Media:ModelsDirectory={Path.GetFullPath(models)}");
        var app = GatewayApplication.Build([.. args]);
        await app.StartAsync(cancellationToken).ConfigureAwait(false);
        var client = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 4 * clients }) { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromMinutes(30) };
        return new GatewaySoak(root, app, client, models ?? "the checkout's models/");
    }

    internal sealed record Snapshot(long RssBytes, long LiveTensors, int OpenHandles);

    internal sealed record Result(Snapshot AfterWarmup, Snapshot AtEnd, GatewayBenchmark.Latency Latency, int Finished, int Failed,
        IReadOnlyDictionary<string, int> ByKind, double WallSeconds, double CpuSeconds);

    public async Task<Result> RunAsync(int generations, int warmup, int clients, Action<string> progress, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        // The decode jobs decode what the codec encoded: one encode first gives the codes.
        codes = await EncodeOnceAsync(cancellationToken).ConfigureAwait(false);
        var timings = new List<(double Ms, bool Live)>();
        var byKind = new Dictionary<string, int>(StringComparer.Ordinal);
        int failed = 0;

        await RunPhaseAsync(0, warmup, clients, timings, byKind, () => failed++, progress, cancellationToken).ConfigureAwait(false);
        var afterWarmup = await SnapshotAsync(cancellationToken).ConfigureAwait(false);
        progress(string.Create(CultureInfo.InvariantCulture, $"  warm-up done ({warmup} generations, {clock.Elapsed.TotalSeconds:F0} s): rss {afterWarmup.RssBytes / 1048576.0:F1} MiB, {afterWarmup.LiveTensors} live tensors, {afterWarmup.OpenHandles} handles"));
        lock (timings) timings.Clear(); // the latency figure is of the measured part
        await RunPhaseAsync(warmup, generations, clients, timings, byKind, () => failed++, progress, cancellationToken).ConfigureAwait(false);
        var atEnd = await SnapshotAsync(cancellationToken).ConfigureAwait(false);

        var live = timings.Where(t => t.Live).Select(t => t.Ms).ToList();
        if (live.Count == 0) throw new InvalidOperationException("No generator event reached a client live.");
        return new Result(afterWarmup, atEnd, new GatewayBenchmark.Latency(live, timings.Count - live.Count, clock.Elapsed.TotalSeconds),
            generations, failed, byKind, clock.Elapsed.TotalSeconds, (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalSeconds);
    }

    /// <summary>Generations <paramref name="from"/>..<paramref name="to"/> by <paramref name="clients"/> clients; returns when all have ended.</summary>
    async Task RunPhaseAsync(int from, int to, int clients, List<(double, bool)> timings, Dictionary<string, int> byKind, Action fail,
        Action<string> progress, CancellationToken cancellationToken)
    {
        int next = from - 1, done = 0;
        var gate = new object();
        await Task.WhenAll(Enumerable.Range(0, clients).Select(_ => Task.Run(async () =>
        {
            for (int i = Interlocked.Increment(ref next); i < to; i = Interlocked.Increment(ref next))
            {
                var (kind, model, parameters) = Request(i);
                var mine = new List<(double, bool)>();
                bool ok = await RunOneAsync(kind, model, parameters, mine, cancellationToken).ConfigureAwait(false);
                lock (gate)
                {
                    timings.AddRange(mine);
                    byKind[kind] = byKind.GetValueOrDefault(kind) + 1;
                    if (!ok) fail();
                    if (++done % 50 == 0) progress(string.Create(CultureInfo.InvariantCulture, $"  {from + done} of {to} generations done"));
                }
            }
        }, cancellationToken))).ConfigureAwait(false);
    }

    (string Kind, string Model, object Parameters) Request(int i) => (i % 4) switch
    {
        0 => ("image", "token-shuffle", new { prompt = Prompts[i / 4 % Prompts.Length], seed = i }),
        1 => ("speech", "ardit-tts", new { text = Sentences[i / 4 % Sentences.Length], seed = i }),
        2 => ("audio-encode", "media-codec", new { audio = wav, bandwidth_kbps = 1.5 }),
        _ => ("audio-decode", "media-codec", (object)new { codes = codes }),
    };

    async Task<IReadOnlyList<IReadOnlyList<int>>> EncodeOnceAsync(CancellationToken cancellationToken)
    {
        var (id, ok) = await SubmitAndStreamAsync("audio-encode", "media-codec", new { audio = wav, bandwidth_kbps = 1.5 }, null, cancellationToken).ConfigureAwait(false);
        if (!ok) throw new InvalidOperationException("The first audio-encode job failed; is models/media-codec trained?");
        byte[] codes = await ArtifactAsync(id, cancellationToken).ConfigureAwait(false);
        return CodecCodes.Parse(System.Text.Encoding.UTF8.GetString(codes)).Codes;
    }

    async Task<bool> RunOneAsync(string kind, string model, object parameters, List<(double, bool)> timings, CancellationToken cancellationToken)
    {
        var (id, ok) = await SubmitAndStreamAsync(kind, model, parameters, timings, cancellationToken).ConfigureAwait(false);
        if (ok) await ArtifactAsync(id, cancellationToken).ConfigureAwait(false);
        return ok;
    }

    /// <summary>Submits a job and reads its SSE stream to the terminal event, timing generator events that were stamped after the stream was asked for.</summary>
    async Task<(string Id, bool Succeeded)> SubmitAndStreamAsync(string kind, string model, object parameters, List<(double, bool)>? timings, CancellationToken cancellationToken)
    {
        string id = await GatewayJobStream.SubmitAsync(client, new { kind, model, parameters }, $"a {kind} job", cancellationToken).ConfigureAwait(false);
        var requested = DateTimeOffset.UtcNow;
        await foreach (var e in GatewayJobStream.EventsAsync(client, id, cancellationToken).ConfigureAwait(false))
        {
            if (e.Type is "completed") return (id, true);
            if (e.Type is "failed" or "cancelled") return (id, false);
            if (timings is not null && e.Type is "audio-chunk" or "progress" or "preview")
            {
                var at = e.Stamp();
                timings.Add(((e.Received - at).TotalMilliseconds, at >= requested));
            }
        }
        throw new InvalidOperationException($"The event stream of job {id} ended before its terminal event.");
    }

    async Task<byte[]> ArtifactAsync(string jobId, CancellationToken cancellationToken)
    {
        using var job = JsonDocument.Parse(await client.GetStringAsync(new Uri($"/api/jobs/{jobId}", UriKind.Relative), cancellationToken).ConfigureAwait(false));
        string url = job.RootElement.GetProperty("artifacts")[0].GetProperty("url").GetString()!;
        return await client.GetByteArrayAsync(new Uri(url, UriKind.Relative), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Resident memory and open handles of this process (gateway and clients), and the gateway's live tensors from its /metrics.</summary>
    async Task<Snapshot> SnapshotAsync(CancellationToken cancellationToken)
    {
        for (int i = 0; i < 2; i++)
        {
            GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
            GC.WaitForPendingFinalizers();
        }
        // The exporter caches a scrape briefly; idle connections close on their own.
        await Task.Delay(TimeSpan.FromSeconds(2), cancellationToken).ConfigureAwait(false);
        string metrics = await client.GetStringAsync(new Uri("/metrics", UriKind.Relative), cancellationToken).ConfigureAwait(false);
        var line = metrics.Split('\n').FirstOrDefault(l => l.StartsWith("media_torch_live_tensors", StringComparison.Ordinal))
            ?? throw new InvalidOperationException("The gateway's /metrics has no media_torch_live_tensors.");
        long tensors = (long)double.Parse(line.Split(' ')[1], CultureInfo.InvariantCulture);
        return new Snapshot(Rss(), tensors, Directory.GetFileSystemEntries("/proc/self/fd").Length);
    }

    static long Rss()
    {
        foreach (string line in File.ReadLines("/proc/self/status"))
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
                return 1024 * long.Parse(line["VmRSS:".Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture);
        return Environment.WorkingSet;
    }

    public async ValueTask DisposeAsync()
    {
        client.Dispose();
        await app.StopAsync().ConfigureAwait(false);
        await app.DisposeAsync().ConfigureAwait(false);
        SqliteConnection.ClearAllPools();
        Directory.Delete(root, recursive: true);
    }
}
