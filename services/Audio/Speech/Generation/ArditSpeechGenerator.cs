using System.Text.Json;
using Media.Audio.IO;
using Media.Hosting.Jobs;
using Media.Hosting.Workers;
using Media.Modeling.Diffusion;
using static TorchSharp.torch;

namespace Media.Services.Audio.Speech.Generation;

/// <summary>
/// The <c>ardit-tts</c> job runner: parameters <c>text</c> (required), one of <c>duration</c> (seconds), <c>pace</c> or
/// <c>speed</c> (speed = 1 / pace), <c>steps</c>, <c>solver</c>, <c>block_size</c>, <c>seed</c>, and a zero-shot prompt:
/// <c>prompt_audio</c> (a WAV file, base64) with <c>prompt_text</c> (what it says), continued in its voice. <c>voice</c>
/// is accepted (OpenAI's requests carry it) and ignored: the model has one voice. Audio leaves as <c>audio-chunk</c>
/// events (16-bit PCM) while later blocks are generated (the first block at once, then every 0.4 s of speech: <see cref="StreamingSpeechSynthesizer.DecodeFrames"/>); the finished WAV is the artifact. Cancellation stops at the next block.
/// A voice that is batching (<see cref="StreamingSpeechSynthesizer.StartBatching"/>) runs concurrent jobs together; one
/// that is not runs them one at a time.
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
        bool holding = true;
        try
        {
            // Parsed inside the gate: encoding a prompt clip runs the VAE, which serves one request at a time.
            var request = Parse(job.Parameters, prompts, speech.OnlySteps ?? DefaultSteps);
            if (speech.IsBatching)
            {
                // The batching thread serves concurrent jobs together: only the prompt encoding is one at a time.
                gate.Release();
                holding = false;
            }
            using var promptLatents = request.PromptLatents;
            var chunks = System.Threading.Channels.Channel.CreateUnbounded<float[]>();
            // The model runs on a thread of its own (it blocks while batched with other jobs, so not the pool's: ModelThreads); chunks are forwarded to the event stream as they come.
            var synthesis = ModelThreads.RunAsync(() =>
            {
                try { return speech.Synthesize(request, c => chunks.Writer.TryWrite(c), cancellationToken); }
                finally { chunks.Writer.Complete(); }
            }, CancellationToken.None); // always started, so the chunk channel always completes; Synthesize stops at a cancel itself
            await foreach (var chunk in chunks.Reader.ReadAllAsync(CancellationToken.None).ConfigureAwait(false))
                await events.AudioChunkAsync(Pcm16.ToBytes(chunk), speech.SampleRate, 1, cancellationToken).ConfigureAwait(false);
            var result = await synthesis.ConfigureAwait(false);
            var wav = WavFile.ToBytes(AudioBuffer.FromMono(result.Samples, result.SampleRate));
            return [new GeneratedArtifact(wav, "audio/wav", "speech.wav")];
        }
        finally
        {
            if (holding) gate.Release();
        }
    }

    /// <summary>
    /// The request a job's parameters describe. They are checked against the speech schema first (the gateway did so at
    /// submission; direct callers get the same rules), so bad values raise an <see cref="ArgumentException"/> naming the
    /// field; an unreadable prompt clip raises <see cref="AudioFormatException"/>. A prompt clip is encoded with
    /// <paramref name="prompts"/> (the caller disposes the latents). Limits of the model itself (its longest speech, its
    /// block sizes) are checked when the request is planned. A job without <c>steps</c> gets <paramref name="defaultSteps"/>.
    /// </summary>
    public static SpeechRequest Parse(JsonElement parameters, SpeechPromptEncoder? prompts = null, int defaultSteps = DefaultSteps)
    {
        var errors = SpeechJobKind.Definition.Validate(parameters);
        if (errors.Count > 0)
            throw new ArgumentException("Invalid speech parameters: " + string.Join("; ", errors.OrderBy(e => e.Key, StringComparer.Ordinal)
                .Select(e => $"{e.Key} {string.Join(", ", e.Value)}")) + ".");
        JsonElement? Field(string name) => parameters.TryGetProperty(name, out var v) ? v : null;
        var sampling = new ArditSamplingOptions
        {
            Steps = Field("steps")?.GetInt32() ?? defaultSteps,
            Solver = Field("solver")?.GetString() is { } solver ? FlowSolverNames.Parse(solver, "solver") : FlowSolver.Euler,
            BlockSize = Field("block_size")?.GetInt32(),
            Seed = Field("seed")?.GetInt64() ?? 0,
        };
        // The schema lets at most one of duration, pace and speed through.
        double pace = Field("pace")?.GetDouble() ?? (Field("speed") is { } speed ? 1 / speed.GetDouble() : 1.0);
        double? duration = Field("duration")?.GetDouble();
        string? promptText = Field("prompt_text")?.GetString(), promptAudio = Field("prompt_audio")?.GetString();
        Tensor? promptLatents = null;
        if (promptAudio is not null)
        {
            if (prompts is null) throw new ArgumentException("This voice was loaded without a prompt encoder, so it takes no \"prompt_audio\".");
            promptLatents = prompts.Encode(Convert.FromBase64String(promptAudio));
        }
        return new SpeechRequest
        {
            Text = Field("text")!.Value.GetString()!, DurationSeconds = duration, Pace = pace, Sampling = sampling,
            PromptLatents = promptLatents, PromptTranscript = promptText,
        };
    }

    /// <summary>Flow ODE steps per block when a job gives none (a distilled voice's own count instead: 1).</summary>
    public const int DefaultSteps = 8;

    /// <summary>Stops the voice's batching, releases the gate and the prompt encoder.</summary>
    public void Dispose()
    {
        speech.Dispose();
        gate.Dispose();
        prompts?.Dispose();
    }
}
