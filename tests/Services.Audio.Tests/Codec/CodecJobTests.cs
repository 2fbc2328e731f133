using System.Text.Json;
using Media.Audio.IO;
using Media.Hosting;
using Media.Hosting.Artifacts;
using Media.Hosting.Jobs;
using Media.Services.Audio.Codec;
using Media.Tokenizers.Audio.Codec;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Media.Services.Audio.Tests.Codec;

/// <summary>The media-codec generators through the job API, on a tiny random codec committed to a temporary models folder.</summary>
public sealed class CodecJobTests : IAsyncLifetime
{
    readonly string root = Directory.CreateTempSubdirectory("media-codec-jobs-").FullName;
    IHost host = null!;

    JobService Jobs => host.Services.GetRequiredService<JobService>();

    public async Task InitializeAsync()
    {
        RandomCodecCheckpoint.Write(Path.Combine(root, "models"));

        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Media:DataDirectory"] = Path.Combine(root, "data"),
            ["Media:ModelsDirectory"] = Path.Combine(root, "models"),
        });
        builder.AddMediaHosting();
        builder.AddAudioService();
        host = builder.Build();
        await host.StartAsync();
    }

    async Task<Job> RunAsync(string kind, object parameters)
    {
        var submission = new JobSubmission(kind, "media-codec", JsonSerializer.SerializeToElement(parameters));
        var submitted = await Jobs.SubmitAsync(submission, CancellationToken.None);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (clock.Elapsed < TimeSpan.FromSeconds(60))
        {
            var job = await Jobs.GetAsync(submitted.Job.Id, CancellationToken.None);
            if (job is not null && JobStateMachine.IsTerminal(job.Status)) return job;
            await Task.Delay(20);
        }
        throw new TimeoutException($"job {submitted.Job.Id} did not finish");
    }

    async Task<byte[]> ArtifactAsync(Job job)
    {
        await using var stream = await host.Services.GetRequiredService<IArtifactStore>().OpenReadAsync(Assert.Single(job.Artifacts), CancellationToken.None);
        using var copy = new MemoryStream();
        await stream!.CopyToAsync(copy);
        return copy.ToArray();
    }

    static byte[] Tone(int samples) => WavFile.ToBytes(AudioBuffer.FromMono(
        [.. Enumerable.Range(0, samples).Select(i => 0.3f * MathF.Sin(2 * MathF.PI * 330 * i / 16_000f))], 16_000));

    [Fact]
    public async Task An_encode_job_returns_codes_at_the_requested_bandwidth_that_a_decode_job_turns_into_audio()
    {
        var encoded = await RunAsync(CodecJobKinds.Encode, new { audio = Convert.ToBase64String(Tone(3_200)), bandwidth_kbps = 0.6 });

        Assert.Equal(JobStatus.Succeeded, encoded.Status);
        var codes = CodecCodes.Parse(System.Text.Encoding.UTF8.GetString(await ArtifactAsync(encoded)));
        Assert.Equal(3, codes.Codebooks); // 0.6 kbps at 0.2 kbps per codebook
        Assert.Equal(10, codes.Frames);   // 3200 samples / hop 320

        var decoded = await RunAsync(CodecJobKinds.Decode, new { codes = codes.Codes });

        Assert.Equal(JobStatus.Succeeded, decoded.Status);
        var audio = WavFile.Read(await ArtifactAsync(decoded));
        Assert.Equal(16_000, audio.SampleRate);
        Assert.Equal(3_200, audio.Length);
        // The same codes decoded directly by the codec give the same samples (up to 16-bit rounding).
        using var codec = NeuralAudioCodec.Load(Path.Combine(root, "models", "media-codec"));
        var direct = codec.DecodeMatrix(codes.Codes);
        for (int i = 0; i < audio.Length; i++) Assert.Equal(direct.Channels[0][i], audio.Channels[0][i], 1e-4);
    }

    [Fact]
    public async Task A_broken_wav_fails_the_job_with_the_reason()
    {
        var job = await RunAsync(CodecJobKinds.Encode, new { audio = Convert.ToBase64String("RIFF\u0004\0\0\0WAVE"u8.ToArray()) });

        Assert.Equal(JobStatus.Failed, job.Status);
        Assert.Contains("not a WAV file the codec can read", job.FailureReason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Codes_outside_the_codebooks_and_bandwidths_above_the_codec_fail_with_the_reason()
    {
        var decode = await RunAsync(CodecJobKinds.Decode, new { codes = new[] { new[] { 1, 99 } } });
        var encode = await RunAsync(CodecJobKinds.Encode, new { audio = Convert.ToBase64String(Tone(1_600)), bandwidth_kbps = 6 });

        Assert.Equal(JobStatus.Failed, decode.Status);
        Assert.Contains("Code 99 is outside", decode.FailureReason, StringComparison.Ordinal);
        Assert.Equal(JobStatus.Failed, encode.Status);
        Assert.Contains("above this codec's largest, 1.2 kbps", encode.FailureReason, StringComparison.Ordinal);
    }

    public async Task DisposeAsync()
    {
        await host.StopAsync();
        host.Dispose();
        SqliteConnection.ClearAllPools();
        Directory.Delete(root, recursive: true);
    }
}
