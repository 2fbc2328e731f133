using System.Globalization;
using System.Text;
using System.Text.Json;
using Media.Audio.IO;
using Media.Hosting.Jobs;
using Media.Hosting.Workers;
using Media.Tokenizers.Audio.Codec;

namespace Media.Services.Audio.Codec;

/// <summary>
/// Runs the media-codec jobs: <c>audio-encode</c> (a base64 WAV and an optional <c>bandwidth_kbps</c>
/// to a <c>codes.json</c> artifact) and <c>audio-decode</c> (a code matrix, one row per codebook, to a
/// WAV artifact, also streamed as PCM chunks). Bad audio or codes fail the job with the reason.
/// </summary>
public sealed class CodecGenerator(NeuralAudioCodec codec) : IGenerator, IDisposable
{
    // One model serves all of the worker's concurrent jobs; a codec call is short, so they simply take turns.
    readonly SemaphoreSlim gate = new(1, 1);

    /// <summary>Seconds of audio per streamed chunk of a decode job.</summary>
    public const double ChunkSeconds = 0.5;

    public async Task<IReadOnlyList<GeneratedArtifact>> RunAsync(Job job, IJobEventSink events, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(job);
        ArgumentNullException.ThrowIfNull(events);
        await gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return job.Kind switch
            {
                JobKinds.AudioEncode => await EncodeAsync(job, events, cancellationToken).ConfigureAwait(false),
                JobKinds.AudioDecode => await DecodeAsync(job, events, cancellationToken).ConfigureAwait(false),
                _ => throw new ArgumentException($"The codec runs audio-encode and audio-decode jobs, not '{job.Kind}'."),
            };
        }
        finally
        {
            gate.Release();
        }
    }

    async Task<IReadOnlyList<GeneratedArtifact>> EncodeAsync(Job job, IJobEventSink events, CancellationToken cancellationToken)
    {
        byte[] wav = job.Parameters.GetProperty("audio").GetBytesFromBase64();
        double? bandwidth = job.Parameters.TryGetProperty("bandwidth_kbps", out var b) ? b.GetDouble() : null;
        AudioBuffer audio;
        try
        {
            audio = WavFile.Read(wav);
        }
        catch (AudioFormatException e)
        {
            throw new ArgumentException($"The audio is not a WAV file the codec can read: {e.Message}", e);
        }
        if (bandwidth is { } kbps)
        {
            var config = codec.Model.Config;
            double largest = config.NumQuantizers * config.KbpsPerCodebook;
            if (kbps > largest + 1e-9)
                throw new ArgumentException(string.Create(CultureInfo.InvariantCulture,
                    $"bandwidth_kbps {kbps} is above this codec's largest, {largest:0.##} kbps ({config.NumQuantizers} codebooks of {config.KbpsPerCodebook:0.###} kbps)."));
        }
        var codes = codec.Encode(audio, bandwidth);
        await events.ProgressAsync(1, 1, cancellationToken).ConfigureAwait(false);
        return [new GeneratedArtifact(Encoding.UTF8.GetBytes(codes.ToJson()), "application/json", "codes.json")];
    }

    async Task<IReadOnlyList<GeneratedArtifact>> DecodeAsync(Job job, IJobEventSink events, CancellationToken cancellationToken)
    {
        var rows = job.Parameters.GetProperty("codes").EnumerateArray()
            .Select(r => (IReadOnlyList<int>)[.. r.EnumerateArray().Select(c => checked((int)c.GetInt64()))]).ToList();
        var config = codec.Model.Config;
        int worst = rows.SelectMany(r => r).Max();
        if (worst >= config.CodebookSize)
            throw new ArgumentException($"Code {worst} is outside this codec's codebooks (0..{config.CodebookSize - 1}).");
        if (rows.Count > config.NumQuantizers)
            throw new ArgumentException($"{rows.Count} rows of codes given; this codec has {config.NumQuantizers} codebooks.");
        var audio = codec.DecodeMatrix(rows);
        int chunk = (int)(ChunkSeconds * audio.SampleRate);
        int chunks = (audio.Length + chunk - 1) / chunk;
        for (int i = 0; i < chunks; i++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            int start = i * chunk, count = Math.Min(chunk, audio.Length - start);
            await events.AudioChunkAsync(Pcm16.ToBytes(audio, start, count), audio.SampleRate, audio.ChannelCount, cancellationToken).ConfigureAwait(false);
            await events.ProgressAsync(i + 1, chunks, cancellationToken).ConfigureAwait(false);
        }
        return [new GeneratedArtifact(WavFile.ToBytes(audio), "audio/wav", "decoded.wav")];
    }

    /// <summary>Disposes the codec.</summary>
    public void Dispose()
    {
        codec.Dispose();
        gate.Dispose();
    }
}
