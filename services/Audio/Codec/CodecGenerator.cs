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

    /// <summary>Seconds of codes decoded per call of the streaming decoder (the memory bound of a decode job).</summary>
    public const double DecodeWindowSeconds = 5;

    public async Task<IReadOnlyList<GeneratedArtifact>> RunAsync(Job job, IJobEventSink events, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(job);
        ArgumentNullException.ThrowIfNull(events);
        await gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return job.Kind switch
            {
                CodecJobKinds.Encode => await EncodeAsync(job, events, cancellationToken).ConfigureAwait(false),
                CodecJobKinds.Decode => await DecodeAsync(job, events, cancellationToken).ConfigureAwait(false),
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
        var codes = await ModelThreads.RunAsync(() => codec.Encode(audio, bandwidth), cancellationToken).ConfigureAwait(false);
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
        // Decoded a bounded window at a time through the streaming decoder and sent in half-second pieces as it goes:
        // memory stays flat however long the codes are, and a cancel stops the job at the next piece (issue 22: a
        // 67-minute matrix once took 9 GB and ignored DELETE). Windows of several seconds keep libtorch's per-call cost low.
        int framesPerWindow = Math.Max(1, (int)Math.Round(DecodeWindowSeconds * config.FrameRate));
        int pieceSamples = Math.Max(1, (int)(ChunkSeconds * config.SamplingRate));
        long totalSamples = (long)rows[0].Count * config.HopLength;
        int pieces = (int)((totalSamples + pieceSamples - 1) / pieceSamples), sent = 0;
        var channels = Enumerable.Range(0, config.AudioChannels).Select(_ => new List<float>()).ToArray();
        int emitted = 0;
        async Task SendAsync(int upTo)
        {
            while (emitted < upTo)
            {
                cancellationToken.ThrowIfCancellationRequested();
                int count = Math.Min(pieceSamples, upTo - emitted);
                var piece = new AudioBuffer([.. channels.Select(c => c.GetRange(emitted, count).ToArray())], config.SamplingRate);
                await events.AudioChunkAsync(Pcm16.ToBytes(piece, 0, count), piece.SampleRate, piece.ChannelCount, cancellationToken).ConfigureAwait(false);
                emitted += count;
                await events.ProgressAsync(Math.Min(pieces, ++sent), pieces, cancellationToken).ConfigureAwait(false);
            }
        }
        await foreach (var window in ModelThreads.StreamAsync(codec.DecodeChunks(rows, framesPerWindow), 1, cancellationToken).ConfigureAwait(false))
        {
            cancellationToken.ThrowIfCancellationRequested();
            for (int c = 0; c < channels.Length; c++) channels[c].AddRange(window.Channels[c]);
            await SendAsync(emitted + (channels[0].Count - emitted) / pieceSamples * pieceSamples).ConfigureAwait(false);
        }
        await SendAsync(channels[0].Count).ConfigureAwait(false);
        var audio = new AudioBuffer([.. channels.Select(c => c.ToArray())], config.SamplingRate);
        return [new GeneratedArtifact(WavFile.ToBytes(audio), "audio/wav", "decoded.wav")];
    }

    /// <summary>Disposes the codec.</summary>
    public void Dispose()
    {
        codec.Dispose();
        gate.Dispose();
    }
}
