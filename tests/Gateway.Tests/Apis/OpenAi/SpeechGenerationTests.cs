using System.Buffers.Binary;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Media.Audio.Formats;
using Media.Audio.Tests.Formats;
using Media.Hosting.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace Media.Gateway.Tests;

/// <summary><c>/v1/audio/speech</c> over real HTTP with the test speech generator (8 kHz, a chunk of 80 samples of k*100 per step k).</summary>
public sealed class SpeechGenerationTests(SharedGateway gateway) : IClassFixture<SharedGateway>
{
    readonly HttpClient client = gateway.Client;

    /// <summary>The test generator's audio for <paramref name="steps"/> steps, as 16-bit samples.</summary>
    static short[] Expected(int steps = StepGenerator.DefaultSteps) =>
        [.. Enumerable.Range(1, steps).SelectMany(k => Enumerable.Repeat((short)(k * 100), StepGenerator.SamplesPerChunk))];

    [Theory]
    [InlineData("{\"model\":\"test-speech\"}", "input", "Missing required parameter")]
    [InlineData("{\"input\":\"hi\",\"speed\":5}", "speed", "0.25..4")]
    [InlineData("{\"input\":\"hi\",\"response_format\":\"ogg\"}", "response_format", "must be one of")]
    [InlineData("{\"input\":\"hi\",\"stream_format\":\"chunks\"}", "stream_format", "'audio', 'sse'")]
    [InlineData("{\"input\":\"hi\",\"instructions\":\"whisper\"}", "instructions", "not supported")]
    [InlineData("{\"input\":\"hi\",\"voice\":\"\"}", "voice", "1..64")]
    public async Task An_invalid_field_is_a_400_naming_it_in_OpenAI_error_shape(string body, string param, string message)
    {
        using var response = await client.PostAsync(new Uri("/v1/audio/speech", UriKind.Relative), new StringContent(body, Encoding.UTF8, "application/json"));
        var error = await OpenAiHttp.ErrorAsync(response, 400);
        Assert.Equal("invalid_request_error", error.GetProperty("type").GetString());
        Assert.Equal(param, error.GetProperty("param").GetString());
        Assert.Contains(message, error.GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_untrained_speech_model_is_refused_with_model_not_ready()
    {
        using var response = await OpenAiHttp.PostAsync(client, "/v1/audio/speech", new { model = "ardit-tts", input = "hello", voice = "alloy" });
        Assert.Equal("model_not_ready", (await OpenAiHttp.ErrorAsync(response, 409)).GetProperty("code").GetString());
    }

    [Fact]
    public async Task Wav_is_the_jobs_artifact_and_the_parameters_reach_the_job()
    {
        using var response = await OpenAiHttp.PostAsync(client, "/v1/audio/speech",
            new { model = TestModels.Speech, input = "Hello there.", voice = "alloy", speed = 1.5, seed = 11, response_format = "wav" });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("audio/wav", response.Content.Headers.ContentType?.MediaType);
        byte[] wav = await response.Content.ReadAsByteArrayAsync();
        var job = JsonDocument.Parse(await client.GetStringAsync(new Uri($"/api/jobs/{response.Headers.GetValues("x-media-job-id").Single()}", UriKind.Relative))).RootElement;
        var parameters = job.GetProperty("parameters");
        Assert.Equal("Hello there.", parameters.GetProperty("text").GetString());
        Assert.Equal("alloy", parameters.GetProperty("voice").GetString());
        Assert.Equal(1.5, parameters.GetProperty("speed").GetDouble());
        Assert.Equal(11, parameters.GetProperty("seed").GetInt64());
        Assert.Equal(await client.GetByteArrayAsync(new Uri(job.GetProperty("artifacts")[0].GetProperty("url").GetString()!, UriKind.Relative)), wav);
    }

    [Fact]
    public async Task Pcm_is_raw_24_kHz_16_bit_audio_resampled_from_the_models_rate()
    {
        using var response = await OpenAiHttp.PostAsync(client, "/v1/audio/speech", new { model = TestModels.Speech, input = "hi", response_format = "pcm" });
        Assert.Equal("audio/pcm", response.Content.Headers.ContentType?.MediaType);
        short[] pcm = Samples(await response.Content.ReadAsByteArrayAsync());
        short[] expected = Expected();
        Assert.Equal(expected.Length * 3, pcm.Length); // 8 kHz to 24 kHz
        // Away from the steps between chunks, a band-limited resampler keeps each constant level (within 3 %).
        for (int k = 1; k <= StepGenerator.DefaultSteps; k++)
        {
            int middle = ((k - 1) * StepGenerator.SamplesPerChunk + StepGenerator.SamplesPerChunk / 2) * 3;
            for (int i = middle - 30; i < middle + 30; i++) Assert.InRange(pcm[i], k * 97, k * 103);
        }
    }

    [Fact]
    public async Task Streamed_wav_starts_with_an_open_ended_header_and_carries_every_chunk_in_order()
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/audio/speech")
        {
            Content = JsonContent.Create(new { model = TestModels.Speech, input = "hi", response_format = "wav", stream_format = "audio" }),
        };
        using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal("audio/wav", response.Content.Headers.ContentType?.MediaType);
        Assert.Null(response.Content.Headers.ContentLength); // chunked: sent while it is made
        byte[] wav = await response.Content.ReadAsByteArrayAsync();
        Assert.Equal("RIFF", Encoding.ASCII.GetString(wav, 0, 4));
        Assert.Equal(uint.MaxValue, BinaryPrimitives.ReadUInt32LittleEndian(wav.AsSpan(40)));
        Assert.Equal(StepGenerator.SampleRate, BinaryPrimitives.ReadInt32LittleEndian(wav.AsSpan(24)));
        Assert.Equal(Expected(), Samples(wav.AsSpan(44)));
    }

    [Fact]
    public async Task Sse_sends_the_file_as_base64_deltas_then_done()
    {
        using var response = await OpenAiHttp.PostAsync(client, "/v1/audio/speech",
            new { model = TestModels.Speech, input = "hi", response_format = "wav", stream_format = "sse" });
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        var events = OpenAiHttp.Events(await response.Content.ReadAsStringAsync());
        Assert.Equal("speech.audio.done", events[^1].Data.GetProperty("type").GetString());
        var deltas = events[..^1];
        Assert.Equal(StepGenerator.DefaultSteps, deltas.Count); // one per chunk: playback can start with the first
        Assert.All(deltas, d => Assert.Equal("speech.audio.delta", d.Data.GetProperty("type").GetString()));
        byte[] file = [.. deltas.SelectMany(d => Convert.FromBase64String(d.Data.GetProperty("audio").GetString()!))];
        Assert.Equal(Expected(), Samples(file.AsSpan(44)));
    }

    [Fact]
    public async Task Opus_is_an_Ogg_Opus_file_whose_granule_positions_give_the_inputs_length()
    {
        using var response = await OpenAiHttp.PostAsync(client, "/v1/audio/speech", new { model = TestModels.Speech, input = "hi", response_format = "opus" });
        Assert.Equal("audio/ogg", response.Content.Headers.ContentType?.MediaType);
        var pages = OggReader.Pages(await response.Content.ReadAsByteArrayAsync());
        var head = pages[0].Packets.Single();
        Assert.Equal("OpusHead", Encoding.ASCII.GetString(head, 0, 8));
        Assert.Equal(1, head[9]); // mono
        Assert.Equal(StepGenerator.SampleRate, BinaryPrimitives.ReadInt32LittleEndian(head.AsSpan(12)));
        Assert.Equal("OpusTags", Encoding.ASCII.GetString(pages[1].Packets.Single(), 0, 8));
        int preSkip = BinaryPrimitives.ReadUInt16LittleEndian(head.AsSpan(10));
        Assert.Equal(Expected().Length * 6, pages[^1].Granule - preSkip); // 48 kHz units
        Assert.True(pages[^1].EndOfStream);
    }

    [Fact]
    public async Task Without_response_format_speech_is_mp3_as_OpenAIs()
    {
        using var response = await OpenAiHttp.PostAsync(client, "/v1/audio/speech", new { model = TestModels.Speech, input = "hi" });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("audio/mpeg", response.Content.Headers.ContentType?.MediaType);
        byte[] mp3 = await response.Content.ReadAsByteArrayAsync();
        // An MPEG audio frame header: 11 sync bits, then layer III.
        Assert.True(mp3.Length > 100);
        Assert.Equal(0xFF, mp3[0]);
        Assert.Equal(0xE0, mp3[1] & 0xE0);
        Assert.Equal(0x02, mp3[1] & 0x06);
    }

    [Fact]
    public async Task Sse_mp3_deltas_join_into_an_mp3_file()
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/audio/speech")
        {
            Content = JsonContent.Create(new { model = TestModels.Speech, input = "hi", response_format = "mp3", stream_format = "sse" }),
        };
        using var response = await client.SendAsync(request);
        var events = OpenAiHttp.Events(await response.Content.ReadAsStringAsync());
        Assert.Equal("speech.audio.done", events[^1].Data.GetProperty("type").GetString());
        // The test voice makes 50 ms at 8 kHz, less than one MP3 frame's worth, so LAME's frames come with its flush;
        // the encoder tests show frames coming while longer audio streams (EncodedFormatsTests).
        byte[] file = [.. events[..^1].SelectMany(d => Convert.FromBase64String(d.Data.GetProperty("audio").GetString()!))];
        Assert.Equal(0xFF, file[0]);
        Assert.Equal(0xE0, file[1] & 0xE0);
    }

    static short[] Samples(ReadOnlySpan<byte> pcm16)
    {
        var samples = new short[pcm16.Length / 2];
        for (int i = 0; i < samples.Length; i++) samples[i] = BinaryPrimitives.ReadInt16LittleEndian(pcm16[(2 * i)..]);
        return samples;
    }
}

/// <summary>The gateway on a machine without the encoder packages (simulated through the encoder seam).</summary>
public sealed class SpeechWithoutEncodersTests : IDisposable
{
    readonly GatewayFactory factory = new(null, testModels: true,
        services: s => s.AddSingleton(AudioEncoders.Without(LameMp3Encoder.Package, FfmpegEncoder.Package)));
    readonly HttpClient client;

    public SpeechWithoutEncodersTests() => client = factory.StartKestrel();

    public void Dispose()
    {
        client.Dispose();
        factory.Dispose();
    }

    [Fact]
    public async Task Speech_falls_back_to_wav_and_a_missing_format_is_a_400_naming_its_package()
    {
        using var fallback = await OpenAiHttp.PostAsync(client, "/v1/audio/speech", new { model = TestModels.Speech, input = "hi" });
        Assert.Equal(HttpStatusCode.OK, fallback.StatusCode);
        Assert.Equal("audio/wav", fallback.Content.Headers.ContentType?.MediaType);
        Assert.Equal("RIFF", Encoding.ASCII.GetString(await fallback.Content.ReadAsByteArrayAsync(), 0, 4));

        foreach (var (format, package) in new[] { ("mp3", "libmp3lame0"), ("aac", "ffmpeg"), ("flac", "ffmpeg") })
        {
            using var refused = await OpenAiHttp.PostAsync(client, "/v1/audio/speech", new { model = TestModels.Speech, input = "hi", response_format = format });
            var error = await OpenAiHttp.ErrorAsync(refused, 400);
            Assert.Equal("response_format", error.GetProperty("param").GetString());
            Assert.Contains($"no {format} encoder (install the Debian package '{package}')", error.GetProperty("message").GetString(), StringComparison.Ordinal);
        }

        // /api/models says which formats are off and what enables them.
        var formats = JsonDocument.Parse(await client.GetStringAsync(new Uri("/api/models", UriKind.Relative))).RootElement.GetProperty("output_formats");
        Assert.Equal("wav", formats.GetProperty("default_speech").GetString());
        Assert.DoesNotContain("mp3", formats.GetProperty("audio").EnumerateArray().Select(f => f.GetString()));
        Assert.Contains(formats.GetProperty("missing_audio").EnumerateArray(),
            m => m.GetProperty("format").GetString() == "mp3" && m.GetProperty("package").GetString() == "libmp3lame0");
    }
}
