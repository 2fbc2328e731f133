using System.Diagnostics;
using Media.Services.Audio.Speech.Ardit;
using static TorchSharp.torch;

namespace Media.Services.Audio.Speech.Generation;

/// <summary>
/// Text to streamed speech: the text encoder, the duration (predicted or requested), ARDiT block by block, and
/// the latent decoder fed each block as it is generated, so audio chunks leave while later blocks are still being
/// sampled. Records the time to the first audio of every request; cancellation stops at the next block. After
/// <see cref="StartBatching"/> concurrent callers share batched forward passes (each still decodes and streams its own audio).
/// </summary>
public sealed class StreamingSpeechSynthesizer : IDisposable
{
    readonly ArditSynthesizer synthesizer;
    readonly ISpeechTextEncoder textEncoder;
    readonly ILatentSpeechDecoder decoder;
    readonly DurationPredictor durations;
    readonly int[] trainedBlockSizes;

    /// <summary>
    /// Joins the model, its text encoder, its duration predictor and the latent decoder (their latent shapes must agree).
    /// <paramref name="trainedBlockSizes"/> are the block sizes the model was trained with, the only ones a request may ask
    /// for (default: 1 and the configured B, what training draws from unless told otherwise).
    /// </summary>
    /// <paramref name="onlySteps"/>: the one flow step count the model samples with (a distilled one-step student), null for any.
    public StreamingSpeechSynthesizer(ArditModel model, ISpeechTextEncoder textEncoder, DurationPredictor durations, ILatentSpeechDecoder decoder,
        IReadOnlyList<int>? trainedBlockSizes = null, int? onlySteps = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        if (onlySteps is < 1) throw new ArgumentOutOfRangeException(nameof(onlySteps), onlySteps, "The step count must be positive.");
        OnlySteps = onlySteps;
        this.trainedBlockSizes = [.. (trainedBlockSizes ?? [1, model.Config.BlockSize]).Distinct().Order()];
        if (this.trainedBlockSizes.Length == 0 || this.trainedBlockSizes[0] < 1)
            throw new ArgumentException("The trained block sizes must be positive, and at least one.", nameof(trainedBlockSizes));
        this.textEncoder = textEncoder ?? throw new ArgumentNullException(nameof(textEncoder));
        this.durations = durations ?? throw new ArgumentNullException(nameof(durations));
        this.decoder = decoder ?? throw new ArgumentNullException(nameof(decoder));
        if (decoder.LatentDim != model.Config.LatentDim)
            throw new ArgumentException($"The decoder takes {decoder.LatentDim}-dim latents; the model makes {model.Config.LatentDim}.", nameof(decoder));
        if (textEncoder.VocabularySize > model.Config.VocabSize)
            throw new ArgumentException($"The text encoder has {textEncoder.VocabularySize} ids; the model knows {model.Config.VocabSize}.", nameof(textEncoder));
        if (Math.Abs(decoder.FrameRate - model.Config.FrameRate) > 1e-6)
            throw new ArgumentException($"The decoder runs at {decoder.FrameRate} latent frames/s; the model at {model.Config.FrameRate}.", nameof(decoder));
        synthesizer = new ArditSynthesizer(model);
    }

    /// <summary>Output sample rate.</summary>
    public int SampleRate => decoder.SampleRate;

    /// <summary>
    /// Serves concurrent <see cref="Synthesize"/> calls together: up to <paramref name="maxBatch"/> utterances' blocks step
    /// through the model in shared batched passes (see <see cref="ArditSynthesizer.StartBatching"/>); each call's audio is
    /// what it would be alone.
    /// </summary>
    public void StartBatching(int maxBatch) => synthesizer.StartBatching(maxBatch);

    /// <summary>True once <see cref="StartBatching"/> was called: concurrent calls are safe and batched.</summary>
    public bool IsBatching => synthesizer.MaxBatch > 0;

    /// <summary>Stops batching, if it is on; <see cref="StartBatching"/> may start it again.</summary>
    public void StopBatching() => synthesizer.StopBatching();

    /// <summary>Stops batching, if it was on (the model and decoder belong to the caller).</summary>
    public void Dispose() => synthesizer.Dispose();

    /// <summary>The block generator underneath.</summary>
    public ArditSynthesizer Synthesizer => synthesizer;

    /// <summary>Whether the model was trained with fill-in-the-middle (<see cref="Ardit.ArditVoiceConfig.FillInMiddle"/>): edits can see what follows the span.</summary>
    public bool FillInMiddle { get; init; }

    /// <summary>The text side: normalisation and ids.</summary>
    public ISpeechTextEncoder TextEncoder => textEncoder;

    /// <summary>The default duration predictor.</summary>
    public DurationPredictor Durations => durations;

    /// <summary>The block sizes a request may ask for: those the model was trained with.</summary>
    public IReadOnlyList<int> TrainedBlockSizes => trainedBlockSizes;

    /// <summary>
    /// Latent frames handed to the decoder in the chunk after the first block (which goes at once, for the time to first
    /// audio); each later chunk doubles, up to <see cref="MaxDecodeFrames"/>. The VAE decoder and vocoder cost mostly per
    /// call at a few frames (with one-step sampling, as much as the model), and a client already holds more audio than the
    /// next chunk takes to make, as ElevenLabs's growing <c>chunk_length_schedule</c> assumes.
    /// </summary>
    public int DecodeFrames { get; set; } = 8;

    /// <summary>The largest chunk of latent frames decoded at once (32: 1.6 s at 20 Hz).</summary>
    public int MaxDecodeFrames { get; set; } = 32;

    /// <summary>The one flow step count this voice samples with (1 for a distilled student); null when it takes any.</summary>
    public int? OnlySteps { get; }

    /// <summary>Latent frames per second of speech.</summary>
    public double FrameRate => synthesizer.Model.Config.FrameRate;

    /// <summary>
    /// Normalised text, its ids and the total frame count (prompt included) this request will produce; bad input raises an
    /// <see cref="ArgumentException"/> whose message is written for the person who sent the request (it becomes a job's failure reason).
    /// </summary>
    public (int[] Ids, int PromptFrames, int TotalFrames) Plan(SpeechRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var config = synthesizer.Model.Config;
        CheckSampling(request.Sampling);
        string text = textEncoder.Normalize(request.Text ?? "");
        if (text.Length == 0) throw new ArgumentException("The text is empty (nothing speakable after normalisation).");
        int promptFrames = 0;
        string promptText = "";
        if (request.PromptLatents is { } prompt)
        {
            if (string.IsNullOrWhiteSpace(request.PromptTranscript)) throw new ArgumentException("A prompt clip needs its transcript.");
            if (prompt.dim() != 2 || prompt.shape[1] != config.LatentDim)
                throw new ArgumentException($"Prompt latents must be [frames, {config.LatentDim}]; got [{string.Join(", ", prompt.shape)}].");
            promptText = textEncoder.Normalize(request.PromptTranscript);
            if (promptText.Length == 0) throw new ArgumentException("The prompt transcript is empty (nothing speakable after normalisation).");
            promptText += " ";
            // Whole blocks only: the model was trained with block boundaries at multiples of B.
            int blockSize = request.Sampling.BlockSize ?? config.BlockSize;
            promptFrames = (int)prompt.shape[0] / blockSize * blockSize;
            if (promptFrames == 0)
                throw new ArgumentException($"The prompt clip is {prompt.shape[0]} latent frames ({prompt.shape[0] / config.FrameRate:0.00} s), shorter than one block of {blockSize}; give a longer clip.");
            if (promptFrames >= config.MaxFrames)
                throw new ArgumentException($"The prompt clip is {prompt.shape[0] / config.FrameRate:0.0} s ({prompt.shape[0]} latent frames); this model takes at most {config.MaxFrames} frames ({config.MaxFrames / config.FrameRate:0.0} s) for prompt and new speech together. Use a shorter clip.");
        }
        else if (!string.IsNullOrWhiteSpace(request.PromptTranscript))
        {
            throw new ArgumentException("A prompt transcript was given without a prompt clip.");
        }
        var ids = textEncoder.Encode(promptText + text);
        if (ids.Length > config.MaxTextLength)
            throw new ArgumentException($"The text is too long: {ids.Length} characters after normalisation, at most {config.MaxTextLength}. Split it into sentences.");
        if (request.DurationSeconds is { } seconds && !(seconds > 0)) throw new ArgumentException("The duration must be a positive number of seconds.");
        if (!(request.Pace > 0)) throw new ArgumentException("The pace must be positive.");
        int frames = request.DurationSeconds is { } s
            ? Frames(s, config.FrameRate)
            : Math.Max(1, (int)Math.Round(durations.Predict(text) * request.Pace));
        int total = promptFrames + frames;
        if (total > config.MaxFrames)
        {
            string after = promptFrames > 0 ? $" after the {promptFrames / config.FrameRate:0.##} s prompt clip" : "";
            throw new ArgumentException($"The speech would be {frames / config.FrameRate:0.##} s ({frames} latent frames){after}; this model makes at most "
                + $"{config.MaxFrames / config.FrameRate:0.##} s ({config.MaxFrames} frames){(promptFrames > 0 ? ", prompt included" : "")}. Ask for a shorter duration or text.");
        }
        return (ids, promptFrames, total);
    }

    /// <summary>Throws an <see cref="ArgumentException"/> (written for the requester) for a block size or step count this voice was not trained for.</summary>
    public void CheckSampling(ArditSamplingOptions sampling)
    {
        ArgumentNullException.ThrowIfNull(sampling);
        if (sampling.BlockSize is { } asked && !trainedBlockSizes.Contains(asked))
            throw new ArgumentException($"The block size {asked} is not one this model was trained with ({string.Join(", ", trainedBlockSizes)}).");
        if (OnlySteps is { } only && sampling.Steps != only)
            throw new ArgumentException($"This voice is distilled to sample with {only} flow step{(only == 1 ? "" : "s")} per block, not {sampling.Steps}; other step counts are the teacher voice's.");
    }

    /// <summary>Latent frames a requested duration of <paramref name="seconds"/> becomes: the nearest whole count, at least one.</summary>
    public static int Frames(double seconds, double frameRate) => Math.Max(1, (int)Math.Round(seconds * frameRate));

    /// <summary>
    /// Speaks <paramref name="request"/>, calling <paramref name="onChunk"/> with each piece of audio as soon as it is final.
    /// Text longer than the model says at once (its <c>max_text_length</c> characters, or more speech than <c>max_frames</c>)
    /// is spoken utterance by utterance (<see cref="Utterances"/>), utterance i with seed + i, streamed as it goes.
    /// </summary>
    public SpeechResult Synthesize(SpeechRequest request, Action<float[]>? onChunk = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var utterances = Utterances(request);
        if (utterances.Count == 1) return SynthesizeOne(request, onChunk, cancellationToken);
        var clock = Stopwatch.StartNew();
        TimeSpan? firstAudio = null;
        var samples = new List<float>();
        int frames = 0;
        for (int i = 0; i < utterances.Count; i++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var part = request with { Text = utterances[i], Sampling = request.Sampling with { Seed = request.Sampling.Seed + i } };
            var result = SynthesizeOne(part, chunk =>
            {
                firstAudio ??= clock.Elapsed;
                onChunk?.Invoke(chunk);
            }, cancellationToken);
            samples.AddRange(result.Samples);
            frames += result.Frames;
        }
        return new SpeechResult([.. samples], decoder.SampleRate, frames, firstAudio ?? clock.Elapsed, clock.Elapsed);
    }

    /// <summary>
    /// The utterances <paramref name="request"/>'s text is spoken in: the text itself when it fits the model at once (or a
    /// fixed duration is asked for: that applies to one utterance), else its normalised form cut at sentence ends, then
    /// commas, then words, into the fewest pieces that each fit in characters and in predicted frames (with the prompt clip).
    /// </summary>
    public IReadOnlyList<string> Utterances(SpeechRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var config = synthesizer.Model.Config;
        string text = textEncoder.Normalize(request.Text ?? "");
        int promptText = 0, promptFrames = 0;
        if (request.PromptLatents is { } prompt && !string.IsNullOrWhiteSpace(request.PromptTranscript))
        {
            promptText = textEncoder.Normalize(request.PromptTranscript).Length + 1;
            int blockSize = request.Sampling.BlockSize ?? config.BlockSize;
            promptFrames = (int)prompt.shape[0] / blockSize * blockSize;
        }
        bool Fits(string piece) => promptText + piece.Length <= config.MaxTextLength
            && promptFrames + Math.Max(1, (int)Math.Round(durations.Predict(piece) * request.Pace)) <= config.MaxFrames;
        if (request.DurationSeconds is not null || text.Length == 0 || Fits(text)) return [request.Text ?? ""];
        return UtteranceSplitter.Split(text, Fits);
    }

    SpeechResult SynthesizeOne(SpeechRequest request, Action<float[]>? onChunk, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        var (ids, promptFrames, total) = Plan(request);
        using var scope = NewDisposeScope();
        var prefix = promptFrames > 0 ? request.PromptLatents!.narrow(0, 0, promptFrames) : null;
        // The prompt's own audio comes out of the decoder first; only the new speech is returned.
        return Render(prefix, synthesizer.Blocks(ids, total, prefix, request.Sampling, cancellationToken: cancellationToken), null, promptFrames, onChunk, clock);
    }

    /// <summary>
    /// Speaks an edit (<see cref="Editing.SpeechEditor"/>): the kept prefix [K, C] and suffix of <paramref name="original"/>
    /// around the span its <paramref name="plan"/> regenerates, with the suffix in context for a fill-in-the-middle plan.
    /// The whole edited utterance streams out (prefix, span, suffix) and is returned.
    /// </summary>
    public SpeechResult SynthesizeEdit(Editing.SpeechEditPlan plan, Tensor original, ArditSamplingOptions sampling, Action<float[]>? onChunk = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentNullException.ThrowIfNull(original);
        CheckSampling(sampling);
        int n = (int)original.shape[0];
        if (original.dim() != 2 || plan.KeepFrames > n || plan.OldSuffixStart > n || n - plan.OldSuffixStart != plan.TotalFrames - plan.SuffixStart)
            throw new ArgumentException($"The recording's latents [{string.Join(", ", original.shape)}] do not fit the plan (it keeps {plan.KeepFrames} frames and the frames from {plan.OldSuffixStart} on).", nameof(original));
        if (plan.Method == Editing.SpeechEditMethod.FillInMiddle && !FillInMiddle)
            throw new ArgumentException("This voice was not trained with fill-in-the-middle, so it edits from the left context only.", nameof(plan));
        var clock = Stopwatch.StartNew();
        using var scope = NewDisposeScope();
        var prefix = plan.KeepFrames > 0 ? original.narrow(0, 0, plan.KeepFrames) : null;
        var suffix = plan.OldSuffixStart < n ? original.narrow(0, plan.OldSuffixStart, n - plan.OldSuffixStart) : null;
        bool fill = plan.Method == Editing.SpeechEditMethod.FillInMiddle && suffix is not null;
        var blocks = synthesizer.Blocks(plan.Ids, plan.TotalFrames, prefix, sampling, fill ? null : plan.SuffixStart, plan.TextFrames, fill ? suffix : null, cancellationToken);
        return Render(prefix, blocks, suffix, 0, onChunk, clock);
    }

    /// <summary>
    /// Decodes <paramref name="prefix"/>, the <paramref name="blocks"/> as they come and <paramref name="suffix"/> in one
    /// decoder stream, handing out audio as soon as it is final, less the first <paramref name="skipFrames"/> latent frames' audio.
    /// </summary>
    SpeechResult Render(Tensor? prefix, IEnumerable<LatentBlock> blocks, Tensor? suffix, int skipFrames, Action<float[]>? onChunk, Stopwatch clock)
    {
        TimeSpan? firstAudio = null;
        var samples = new List<float>();
        long skip = (long)Math.Round(skipFrames * decoder.SampleRate / decoder.FrameRate);
        long seen = 0;
        int frames = 0;
        void Emit(float[] audio)
        {
            int drop = (int)Math.Clamp(skip - seen, 0, audio.Length);
            seen += audio.Length;
            if (drop == audio.Length) return;
            var chunk = drop == 0 ? audio : audio[drop..];
            firstAudio ??= clock.Elapsed;
            samples.AddRange(chunk);
            onChunk?.Invoke(chunk);
        }
        using var stream = decoder.OpenStream();
        if (prefix is not null)
        {
            frames += (int)prefix.shape[0];
            Emit(stream.Push(prefix));
        }
        // Blocks are decoded at once until audio has come out (time to first audio); later ones in pieces of at least
        // DecodeFrames, doubling up to MaxDecodeFrames.
        var waiting = new List<LatentBlock>();
        int chunkFrames = Math.Max(1, DecodeFrames);
        void Decode()
        {
            using (var joined = waiting.Count == 1 ? null : cat([.. waiting.Select(b => b.Latents)], 0))
                Emit(stream.Push(joined ?? waiting[0].Latents));
            foreach (var b in waiting) b.Dispose();
            waiting.Clear();
        }
        try
        {
            foreach (var block in blocks)
            {
                frames += (int)block.Latents.shape[0];
                waiting.Add(block);
                if (firstAudio is null) Decode();
                else if (waiting.Sum(b => b.Latents.shape[0]) >= chunkFrames)
                {
                    Decode();
                    chunkFrames = Math.Max(chunkFrames, Math.Min(2 * chunkFrames, MaxDecodeFrames));
                }
            }
            if (waiting.Count > 0) Decode();
        }
        finally
        {
            foreach (var b in waiting) b.Dispose();
        }
        if (suffix is not null)
        {
            frames += (int)suffix.shape[0];
            Emit(stream.Push(suffix));
        }
        Emit(stream.Finish());
        return new SpeechResult([.. samples], decoder.SampleRate, frames - skipFrames, firstAudio ?? clock.Elapsed, clock.Elapsed);
    }
}
