using System.Net;
using System.Text.Json;
using Media.Audio.IO;
using Media.Hosting.Jobs;
using Media.Services.Audio.Codec;
using Media.Tokenizers.Audio.Codec;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;

namespace Media.Gateway.Tests.Codec;

/// <summary>
/// The gateway with a real generator: the media-codec (the EnCodec architecture at a tiny random size)
/// serving one audio-decode job over HTTP, SSE and the MessagePack hub on 127.0.0.1.
/// </summary>
public sealed class CodecStreamingFixture : IAsyncLifetime
{
    /// <summary>6 s of 16 kHz audio at 50 frames/s: 12 half-second chunks.</summary>
    public const int Frames = 300;

    public GatewayFactory Gateway { get; } = new();
    public HttpClient Client { get; private set; } = null!;
    public string CodecFolder { get; private set; } = "";
    public IReadOnlyList<IReadOnlyList<int>> Codes { get; } = RandomCodes(RandomCodecCheckpoint.Tiny.NumQuantizers, Frames, RandomCodecCheckpoint.Tiny.CodebookSize);
    public string JobId { get; private set; } = "";

    /// <summary>The job's whole event log as the store holds it, once the job finished.</summary>
    public IReadOnlyList<JobEvent> Log { get; private set; } = [];

    /// <summary>What an SSE client read while the job ran: 5 events, then (reconnected with Last-Event-ID) the rest.</summary>
    public IReadOnlyList<SseEvent> LiveSse { get; private set; } = [];

    /// <summary>What a MessagePack hub client read while the job ran: 7 events, then (on a new connection, after its last sequence) the rest.</summary>
    public IReadOnlyList<JobEvent> LiveHub { get; private set; } = [];

    public async Task InitializeAsync()
    {
        CodecFolder = RandomCodecCheckpoint.Write(Gateway.ModelsDirectory);
        Client = Gateway.StartKestrel();
        var job = await JobsApiTests.SubmitAsync(Client, new { kind = CodecJobKinds.Decode, model = CodecServiceExtensions.ModelId, parameters = new { codes = Codes } });
        JobId = job.GetProperty("id").GetString()!;

        // Both clients start at once, while the job is queued or running, and each drops mid-stream.
        var sse = Task.Run(async () =>
        {
            var head = await SseClient.ReadAsync(Client, JobId, stopAfter: 5);
            return (IReadOnlyList<SseEvent>)[.. head, .. await SseClient.ReadAsync(Client, JobId, lastEventId: head[^1].Id)];
        });
        var hub = Task.Run(async () =>
        {
            var seen = new List<JobEvent>();
            await using (var first = await ConnectAsync()) seen.AddRange(await StreamAsync(first, 0, stopAfter: 7));
            await using (var second = await ConnectAsync()) seen.AddRange(await StreamAsync(second, seen[^1].Sequence));
            return (IReadOnlyList<JobEvent>)seen;
        });
        LiveSse = await sse;
        LiveHub = await hub;

        var done = await JobsApiTests.WaitFinishedAsync(Client, JobId);
        Assert.Equal("succeeded", done.GetProperty("status").GetString());
        Log = await Gateway.Services.GetRequiredService<IJobStore>().ReadEventsAsync(JobId, 0, 1000, CancellationToken.None);
    }

    async Task<HubConnection> ConnectAsync()
    {
        var connection = new HubConnectionBuilder().WithUrl(new Uri(Gateway.BaseAddress!, "/hubs/media")).AddMessagePackProtocol().WithStatefulReconnect().Build();
        await connection.StartAsync();
        return connection;
    }

    async Task<List<JobEvent>> StreamAsync(HubConnection connection, long after, int stopAfter = int.MaxValue)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        var events = new List<JobEvent>();
        await foreach (var e in connection.StreamAsync<JobEvent>("Stream", JobId, after, timeout.Token))
        {
            events.Add(e);
            if (events.Count == stopAfter) break;
        }
        return events;
    }

    /// <summary>The same codes decoded by the codec directly, without the gateway.</summary>
    public AudioBuffer DecodeDirectly()
    {
        using var codec = NeuralAudioCodec.Load(CodecFolder);
        return codec.DecodeMatrix(Codes);
    }

    static List<IReadOnlyList<int>> RandomCodes(int codebooks, int frames, int size)
    {
        var random = new Random(17);
        return [.. Enumerable.Range(0, codebooks).Select(_ => (IReadOnlyList<int>)[.. Enumerable.Range(0, frames).Select(_ => random.Next(size))])];
    }

    public async Task DisposeAsync()
    {
        Client.Dispose();
        await Gateway.DisposeAsync();
    }
}

public sealed class CodecStreamingTests(CodecStreamingFixture fixture) : IClassFixture<CodecStreamingFixture>
{
    const int Chunks = 12;

    static IEnumerable<(long Sequence, string Type)> Wire(IEnumerable<JobEvent> events) =>
        events.Select(e => (e.Sequence, JsonNamingPolicy.KebabCaseLower.ConvertName(e.Type.ToString())));

    [Fact]
    public void The_decode_job_logs_queued_started_a_chunk_and_a_progress_per_half_second_and_completed()
    {
        string[] expected = ["queued", "started", .. Enumerable.Repeat<string[]>(["audio-chunk", "progress"], Chunks).SelectMany(p => p), "completed"];
        Assert.Equal(expected.Select((type, i) => ((long)i + 1, type)), Wire(fixture.Log));
    }

    [Fact]
    public async Task SSE_delivers_every_event_in_order_and_a_resume_from_Last_Event_ID_delivers_the_rest_exactly_once()
    {
        // Live: the client that dropped after 5 events and resumed saw the log exactly once, in order, chunks included.
        Assert.Equal(Wire(fixture.Log), fixture.LiveSse.Select(e => (e.Id, e.Type)));
        Assert.Equal(fixture.LiveSse.Select(e => e.Id), fixture.LiveSse.Select(e => e.Data.GetProperty("sequence").GetInt64()));
        Assert.Equal(fixture.Log.Where(e => e.Payload is not null).Select(e => e.Payload), fixture.LiveSse.Where(e => e.Type == "audio-chunk").Select(e => e.Data.GetProperty("payload").GetBytesFromBase64()));

        // Replayed: a client that reconnects with any id it saw gets the rest once, in order.
        for (int last = 1; last < fixture.Log.Count; last++)
        {
            var rest = await SseClient.ReadAsync(fixture.Client, fixture.JobId, lastEventId: last);
            Assert.Equal(Wire(fixture.Log.Skip(last)), rest.Select(e => (e.Id, e.Type)));
        }
    }

    [Fact]
    public void A_MessagePack_hub_client_that_disconnects_mid_stream_and_resumes_from_its_last_sequence_loses_nothing()
    {
        var seen = fixture.LiveHub;
        Assert.Equal(Wire(fixture.Log), Wire(seen));
        Assert.Equal(fixture.Log.Select(e => e.Payload), seen.Select(e => e.Payload));
        Assert.All(seen.Where(e => e.Type == JobEventType.AudioChunk), e => Assert.Equal((16_000, 1, "audio/pcm"), (e.SampleRate!.Value, e.Channels!.Value, e.ContentType)));
    }

    [Fact]
    public async Task The_WAV_artifact_and_the_streamed_PCM_equal_a_direct_decode_of_the_codes()
    {
        var direct = fixture.DecodeDirectly();
        string artifact = Assert.Single(fixture.Log[^1].Artifacts!);
        using var response = await fixture.Client.GetAsync(new Uri($"/api/artifacts/{artifact}", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("audio/wav", response.Content.Headers.ContentType?.MediaType);
        var wav = WavFile.Read(await response.Content.ReadAsByteArrayAsync());
        var pcm = fixture.Log.Where(e => e.Type == JobEventType.AudioChunk).SelectMany(e => Pcm16.FromBytes(e.Payload).Select(Pcm16.ToFloat)).ToArray();

        Assert.Equal((16_000, 1, CodecStreamingFixture.Frames * 320), (wav.SampleRate, wav.ChannelCount, wav.Length));
        Assert.Equal(wav.Length, pcm.Length);
        Assert.True(direct.Channels[0].Max(MathF.Abs) > 1e-3f, "the random codec makes sound, so equality is not trivially between silences");
        // One PCM16 conversion: the streamed chunks and the stored WAV hold the same samples, bit for bit.
        Assert.Equal(wav.Channels[0], pcm);
        // 16-bit quantisation moves a sample by at most half a step (1.5e-5).
        for (int i = 0; i < wav.Length; i++) Assert.Equal(Math.Clamp(direct.Channels[0][i], -1f, 1f), wav.Channels[0][i], 2e-5);
    }
}
