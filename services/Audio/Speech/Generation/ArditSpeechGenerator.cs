using System.Text.Json;
using Media.Audio.IO;
using Media.Hosting.Jobs;
using Media.Hosting.Workers;
using Media.Modeling.Diffusion;
using Media.Services.Audio.Speech.Editing;
using Media.Services.Audio.Speech.Recognizer;
using static TorchSharp.torch;

namespace Media.Services.Audio.Speech.Generation;

/// <summary>
/// The <c>ardit-tts</c> job runner: parameters <c>text</c> (required), one of <c>duration</c> (seconds), <c>pace</c> or
/// <c>speed</c> (speed = 1 / pace), <c>steps</c>, <c>solver</c>, <c>block_size</c>, <c>seed</c>, and a zero-shot prompt:
/// <c>prompt_audio</c> (a WAV file, base64) with <c>prompt_text</c> (what it says), continued in its voice. <c>voice</c>
/// is accepted (OpenAI's requests carry it) and ignored: the model has one voice. Audio leaves as <c>audio-chunk</c>
/// events (16-bit PCM) while later blocks are generated (the first block at once, then 0.4 s of speech, each later chunk twice the last up to 1.6 s: <see cref="StreamingSpeechSynthesizer.DecodeFrames"/>); the finished WAV is the artifact. Cancellation stops at the next block.
/// A voice that is batching (<see cref="StreamingSpeechSynthesizer.StartBatching"/>) runs concurrent jobs together; one
/// that is not runs them one at a time. <c>speech-edit</c> jobs (<see cref="SpeechEditJobKind"/>) re-speak the changed
/// words of a recording (<see cref="SpeechEditor"/>) and stream the whole edited recording the same way.
/// </summary>
public sealed class ArditSpeechGenerator : IGenerator, IDisposable
{
    readonly StreamingSpeechSynthesizer speech;
    readonly SpeechPromptEncoder? prompts;
    readonly Func<CtcRecognizer>? loadRecognizer;
    readonly SemaphoreSlim gate = new(1, 1);
    CtcRecognizer? recognizer;
    CtcTextAligner? aligner;
    SpeechEditor? editor;

    /// <summary>
    /// A runner of <c>speech</c> jobs on <paramref name="speech"/>, with zero-shot prompts through <paramref name="prompts"/>, and
    /// of <c>speech-edit</c> jobs when <paramref name="loadRecognizer"/> gives the recognizer the voice's alignments came from
    /// (loaded on the first edit). The generator owns the voice, the prompt encoder and the recognizer.
    /// </summary>
    public ArditSpeechGenerator(StreamingSpeechSynthesizer speech, SpeechPromptEncoder? prompts = null, Func<CtcRecognizer>? loadRecognizer = null)
    {
        this.speech = speech ?? throw new ArgumentNullException(nameof(speech));
        this.prompts = prompts;
        this.loadRecognizer = loadRecognizer;
    }

    /// <summary>The editor, built on the first edit (under the gate).</summary>
    SpeechEditor Editor()
    {
        if (editor is not null) return editor;
        if (prompts is null || loadRecognizer is null)
            throw new ArgumentException("This voice was loaded without the prompt encoder and the recognizer that aligns transcripts, so it takes no speech-edit jobs.");
        var loaded = loadRecognizer();
        try
        {
            aligner = new CtcTextAligner(loaded);
        }
        catch
        {
            loaded.Dispose();
            throw;
        }
        recognizer = loaded;
        return editor = new SpeechEditor(speech, prompts, aligner);
    }

    /// <inheritdoc/>
    public async Task<IReadOnlyList<GeneratedArtifact>> RunAsync(Job job, IJobEventSink events, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(job);
        ArgumentNullException.ThrowIfNull(events);
        await gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        bool holding = true;
        try
        {
            // Parsed inside the gate: encoding a clip runs the VAE (and aligning one the recognizer), which serve one request at a time.
            Func<Action<float[]>, SpeechResult> synthesize;
            IDisposable? owned;
            SpeechEditPlan? plan = null;
            if (job.Kind == SpeechEditJobKind.Name)
            {
                var (audio, transcript, text, method, sampling) = ParseEdit(job.Parameters, speech.OnlySteps ?? DefaultSteps);
                var prepared = Editor().Prepare(audio, transcript, text, sampling, method);
                owned = prepared;
                plan = prepared.Plan;
                synthesize = onChunk => speech.SynthesizeEdit(prepared.Plan, prepared.Latents, sampling, onChunk, cancellationToken);
            }
            else
            {
                var request = Parse(job.Parameters, prompts, speech.OnlySteps ?? DefaultSteps);
                owned = request.PromptLatents;
                synthesize = onChunk => speech.Synthesize(request, onChunk, cancellationToken);
            }
            using var ownedInputs = owned;
            if (speech.IsBatching)
            {
                // The batching thread serves concurrent jobs together: only the clip encoding is one at a time.
                gate.Release();
                holding = false;
            }
            var chunks = System.Threading.Channels.Channel.CreateUnbounded<float[]>();
            // The model runs on a thread of its own (it blocks while batched with other jobs, so not the pool's: ModelThreads); chunks are forwarded to the event stream as they come.
            var synthesis = ModelThreads.RunAsync(() =>
            {
                try { return synthesize(c => chunks.Writer.TryWrite(c)); }
                finally { chunks.Writer.Complete(); }
            }, CancellationToken.None); // always started, so the chunk channel always completes; synthesis stops at a cancel itself
            await foreach (var chunk in chunks.Reader.ReadAllAsync(CancellationToken.None).ConfigureAwait(false))
                await events.AudioChunkAsync(Pcm16.ToBytes(chunk), speech.SampleRate, 1, cancellationToken).ConfigureAwait(false);
            var result = await synthesis.ConfigureAwait(false);
            var wav = WavFile.ToBytes(AudioBuffer.FromMono(result.Samples, result.SampleRate));
            if (plan is null) return [new GeneratedArtifact(wav, "audio/wav", "speech.wav")];
            return [new GeneratedArtifact(wav, "audio/wav", "speech-edit.wav"),
                    new GeneratedArtifact(JsonSerializer.SerializeToUtf8Bytes(EditReport(plan, speech.FrameRate)), "application/json", "edit.json")];
        }
        finally
        {
            if (holding) gate.Release();
        }
    }

    /// <summary>Where an edit landed in the edited audio, in seconds, for edit.json.</summary>
    static Dictionary<string, object> EditReport(SpeechEditPlan plan, double frameRate) => new()
    {
        ["method"] = plan.Method == SpeechEditMethod.FillInMiddle ? SpeechEditJobKind.FillInMiddle : SpeechEditJobKind.LeftContext,
        ["replaced"] = plan.Edit.OldSpan.Trim(),
        ["with"] = plan.Edit.NewSpan.Trim(),
        ["text"] = plan.Edit.New,
        ["span_start_s"] = Math.Round(plan.SpanStart / frameRate, 3),
        ["span_end_s"] = Math.Round(plan.SpanEnd / frameRate, 3),
        ["regenerated_start_s"] = Math.Round(plan.KeepFrames / frameRate, 3),
        ["regenerated_end_s"] = Math.Round(plan.SuffixStart / frameRate, 3),
        ["duration_s"] = Math.Round(plan.TotalFrames / frameRate, 3),
    };

    /// <summary>
    /// A speech-edit job's recording, transcripts, method (null: the voice's default) and sampler settings, checked against
    /// the schema first (bad values raise an <see cref="ArgumentException"/> naming the field; an unreadable recording an
    /// <see cref="AudioFormatException"/>).
    /// </summary>
    public static (AudioBuffer Audio, string Transcript, string Text, SpeechEditMethod? Method, ArditSamplingOptions Sampling) ParseEdit(JsonElement parameters, int defaultSteps = DefaultSteps)
    {
        CheckSchema(SpeechEditJobKind.Definition, parameters);
        var sampling = Sampling(parameters, defaultSteps);
        AudioBuffer audio;
        try { audio = WavFile.Read(Convert.FromBase64String(parameters.GetProperty("audio").GetString()!)); }
        catch (AudioFormatException e) { throw new AudioFormatException($"The recording is not a readable WAV file. {e.Message}", e); }
        SpeechEditMethod? method = parameters.TryGetProperty("method", out var m)
            ? m.GetString() == SpeechEditJobKind.FillInMiddle ? SpeechEditMethod.FillInMiddle : SpeechEditMethod.LeftContext
            : null;
        return (audio, parameters.GetProperty("transcript").GetString()!, parameters.GetProperty("text").GetString()!, method, sampling);
    }

    /// <summary>Throws an <see cref="ArgumentException"/> naming every field of <paramref name="parameters"/> that <paramref name="kind"/>'s schema refuses.</summary>
    static void CheckSchema(JobKind kind, JsonElement parameters)
    {
        var errors = kind.Validate(parameters);
        if (errors.Count > 0)
            throw new ArgumentException($"Invalid {kind.Name} parameters: " + string.Join("; ", errors.OrderBy(e => e.Key, StringComparer.Ordinal)
                .Select(e => $"{e.Key} {string.Join(", ", e.Value)}")) + ".");
    }

    /// <summary>The sampler settings both job kinds share.</summary>
    static ArditSamplingOptions Sampling(JsonElement parameters, int defaultSteps)
    {
        JsonElement? Field(string name) => parameters.TryGetProperty(name, out var v) ? v : null;
        return new ArditSamplingOptions
        {
            Steps = Field("steps")?.GetInt32() ?? defaultSteps,
            Solver = Field("solver")?.GetString() is { } solver ? FlowSolverNames.Parse(solver, "solver") : FlowSolver.Euler,
            BlockSize = Field("block_size")?.GetInt32(),
            Seed = Field("seed")?.GetInt64() ?? 0,
        };
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
        CheckSchema(SpeechJobKind.Definition, parameters);
        JsonElement? Field(string name) => parameters.TryGetProperty(name, out var v) ? v : null;
        var sampling = Sampling(parameters, defaultSteps);
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

    /// <summary>Stops the voice's batching, releases the gate, the prompt encoder and the recognizer.</summary>
    public void Dispose()
    {
        speech.Dispose();
        gate.Dispose();
        prompts?.Dispose();
        aligner?.Dispose();
        recognizer?.Dispose();
    }
}
