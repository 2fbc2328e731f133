using System.Text.Json;
using Media.Audio.IO;
using Media.Hosting.Jobs;
using Media.Hosting.Workers;
using static TorchSharp.torch;

namespace Media.Services.Audio.Speech.Generation;

/// <summary>
/// The <c>ardit-tts</c> job runner: parameters <c>text</c> (required), <c>duration</c> (seconds), <c>pace</c> or <c>speed</c>
/// (speed = 1 / pace), <c>steps</c>, <c>block_size</c>, <c>seed</c>, and a zero-shot prompt: <c>prompt_audio</c> (a WAV file,
/// base64) with <c>prompt_text</c> (what it says), continued in its voice. Each block's audio leaves as an <c>audio-chunk</c>
/// event (16-bit PCM) while later blocks are generated; the finished WAV is the artifact. Cancellation stops at the next block.
/// </summary>
public sealed class ArditSpeechGenerator(StreamingSpeechSynthesizer speech, SpeechPromptEncoder? prompts = null) : IGenerator, IDisposable
{
    readonly StreamingSpeechSynthesizer speech = speech ?? throw new ArgumentNullException(nameof(speech));
    readonly SemaphoreSlim gate = new(1, 1);

    /// <inheritdoc/>
    public async Task<IReadOnlyList<GeneratedArtifact>> RunAsync(Job job, IJobEventSink events, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(job);
        ArgumentNullException.ThrowIfNull(events);
        await gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            // Parsed inside the gate: encoding a prompt clip runs the VAE, which serves one request at a time.
            var request = Parse(job.Parameters, prompts);
            using var promptLatents = request.PromptLatents;
            var chunks = System.Threading.Channels.Channel.CreateUnbounded<float[]>();
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

    /// <summary>
    /// The request a job's parameters describe; bad values raise <see cref="ArgumentException"/>, an unreadable prompt clip
    /// <see cref="AudioFormatException"/>. A prompt clip is encoded with <paramref name="prompts"/> (the caller disposes the latents).
    /// </summary>
    public static SpeechRequest Parse(JsonElement parameters, SpeechPromptEncoder? prompts = null)
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
        string? String(string name) => parameters.TryGetProperty(name, out var v)
            ? v.ValueKind == JsonValueKind.String ? v.GetString() : throw new ArgumentException($"\"{name}\" must be a string.")
            : null;
        double pace = Number("pace") ?? (Number("speed") is { } speed ? speed > 0 ? 1 / speed : throw new ArgumentException("\"speed\" must be positive.") : 1.0);
        double? duration = Number("duration");
        string? promptText = String("prompt_text"), promptAudio = String("prompt_audio");
        if ((promptAudio is null) != (promptText is null))
            throw new ArgumentException("A prompt needs both \"prompt_audio\" (a WAV file, base64) and \"prompt_text\" (what it says).");
        Tensor? promptLatents = null;
        if (promptAudio is not null)
        {
            if (prompts is null) throw new ArgumentException("This voice was loaded without a prompt encoder, so it takes no \"prompt_audio\".");
            byte[] wav;
            try { wav = Convert.FromBase64String(promptAudio); }
            catch (FormatException) { throw new ArgumentException("\"prompt_audio\" must be a base64 WAV file."); }
            promptLatents = prompts.Encode(wav);
        }
        return new SpeechRequest
        {
            Text = text.GetString()!, DurationSeconds = duration, Pace = pace, Sampling = sampling,
            PromptLatents = promptLatents, PromptTranscript = promptText,
        };
    }

    /// <summary>Releases the gate and the prompt encoder.</summary>
    public void Dispose()
    {
        gate.Dispose();
        prompts?.Dispose();
    }

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
