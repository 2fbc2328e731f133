using System.Text.Json;
using Media.Audio.IO;
using Media.Hosting.Jobs;
using Media.Hosting.Workers;

namespace Media.Services.Audio.Speech.Generation;

/// <summary>
/// The <c>ardit-tts</c> job runner: parameters <c>text</c> (required), <c>duration</c> (seconds), <c>pace</c>, <c>steps</c>,
/// <c>block_size</c>, <c>seed</c>. Each block's audio leaves as an <c>audio-chunk</c> event (16-bit PCM) while later blocks are
/// generated; the finished WAV is the artifact. Cancellation stops at the next block.
/// </summary>
public sealed class ArditSpeechGenerator(StreamingSpeechSynthesizer speech) : IGenerator, IDisposable
{
    readonly StreamingSpeechSynthesizer speech = speech ?? throw new ArgumentNullException(nameof(speech));
    readonly SemaphoreSlim gate = new(1, 1);

    /// <inheritdoc/>
    public async Task<IReadOnlyList<GeneratedArtifact>> RunAsync(Job job, IJobEventSink events, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(job);
        ArgumentNullException.ThrowIfNull(events);
        var request = Parse(job.Parameters);
        var chunks = System.Threading.Channels.Channel.CreateUnbounded<float[]>();
        await gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            // The model runs on a worker thread; chunks are forwarded to the event stream as they come.
            var synthesis = Task.Run(() =>
            {
                try { return speech.Synthesize(request, c => chunks.Writer.TryWrite(c), cancellationToken); }
                finally { chunks.Writer.Complete(); }
            }, cancellationToken);
            await foreach (var chunk in chunks.Reader.ReadAllAsync(CancellationToken.None).ConfigureAwait(false))
                await events.AudioChunkAsync(Pcm16(chunk), speech.SampleRate, 1, cancellationToken).ConfigureAwait(false);
            var result = await synthesis.ConfigureAwait(false);
            var wav = WavFile.ToBytes(AudioBuffer.FromMono(result.Samples, result.SampleRate));
            return [new GeneratedArtifact(wav, "audio/wav", "speech.wav")];
        }
        finally
        {
            gate.Release();
        }
    }

    /// <summary>The request a job's parameters describe; bad values raise <see cref="ArgumentException"/>.</summary>
    public static SpeechRequest Parse(JsonElement parameters)
    {
        if (parameters.ValueKind != JsonValueKind.Object || !parameters.TryGetProperty("text", out var text) || text.ValueKind != JsonValueKind.String)
            throw new ArgumentException("Speech jobs need a \"text\" string parameter.");
        double? Number(string name) => parameters.TryGetProperty(name, out var v)
            ? v.ValueKind == JsonValueKind.Number ? v.GetDouble() : throw new ArgumentException($"\"{name}\" must be a number.")
            : null;
        var sampling = new ArditSamplingOptions
        {
            Steps = (int)(Number("steps") ?? 8),
            BlockSize = Number("block_size") is { } b ? (int)b : null,
            Seed = (long)(Number("seed") ?? 0),
        };
        return new SpeechRequest { Text = text.GetString()!, DurationSeconds = Number("duration"), Pace = Number("pace") ?? 1.0, Sampling = sampling };
    }

    /// <inheritdoc/>
    public void Dispose() => gate.Dispose();

    static byte[] Pcm16(float[] samples)
    {
        var bytes = new byte[samples.Length * 2];
        for (int i = 0; i < samples.Length; i++)
        {
            short s = (short)Math.Round(Math.Clamp(samples[i], -1f, 1f) * short.MaxValue);
            bytes[2 * i] = (byte)s;
            bytes[2 * i + 1] = (byte)(s >> 8);
        }
        return bytes;
    }
}
