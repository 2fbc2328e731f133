using System.Diagnostics;
using Media.Services.Audio.Speech.Ardit;
using static TorchSharp.torch;

namespace Media.Services.Audio.Speech.Generation;

/// <summary>
/// Text to streamed speech: the text encoder, the duration (predicted or requested), ARDiT block by block, and
/// the latent decoder fed each block as it is generated, so audio chunks leave while later blocks are still being
/// sampled. Records the time to the first audio of every request; cancellation stops at the next block.
/// </summary>
public sealed class StreamingSpeechSynthesizer
{
    readonly ArditSynthesizer synthesizer;
    readonly ISpeechTextEncoder textEncoder;
    readonly ILatentSpeechDecoder decoder;
    readonly DurationPredictor durations;

    /// <summary>Joins the model, its text encoder, its duration predictor and the latent decoder (their latent shapes must agree).</summary>
    public StreamingSpeechSynthesizer(ArditModel model, ISpeechTextEncoder textEncoder, DurationPredictor durations, ILatentSpeechDecoder decoder)
    {
        ArgumentNullException.ThrowIfNull(model);
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

    /// <summary>The block generator underneath.</summary>
    public ArditSynthesizer Synthesizer => synthesizer;

    /// <summary>Normalised text, its ids and the total frame count (prompt included) this request will produce; throws on bad input.</summary>
    public (int[] Ids, int PromptFrames, int TotalFrames) Plan(SpeechRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var config = synthesizer.Model.Config;
        string text = textEncoder.Normalize(request.Text ?? "");
        if (text.Length == 0) throw new ArgumentException("The text is empty (nothing speakable after normalisation).", nameof(request));
        int promptFrames = 0;
        string promptText = "";
        if (request.PromptLatents is { } prompt)
        {
            if (string.IsNullOrWhiteSpace(request.PromptTranscript)) throw new ArgumentException("A prompt clip needs its transcript.", nameof(request));
            if (prompt.dim() != 2 || prompt.shape[1] != config.LatentDim)
                throw new ArgumentException($"Prompt latents must be [frames, {config.LatentDim}]; got [{string.Join(", ", prompt.shape)}].", nameof(request));
            promptText = textEncoder.Normalize(request.PromptTranscript);
            if (promptText.Length == 0) throw new ArgumentException("The prompt transcript is empty (nothing speakable after normalisation).", nameof(request));
            promptText += " ";
            // Whole blocks only: the model was trained with block boundaries at multiples of B.
            int blockSize = request.Sampling.BlockSize ?? config.BlockSize;
            promptFrames = (int)prompt.shape[0] / blockSize * blockSize;
            if (promptFrames == 0)
                throw new ArgumentException($"The prompt clip is {prompt.shape[0]} latent frames ({prompt.shape[0] / config.FrameRate:0.00} s), shorter than one block of {blockSize}; give a longer clip.", nameof(request));
            if (promptFrames >= config.MaxFrames)
                throw new ArgumentException($"The prompt clip is {prompt.shape[0] / config.FrameRate:0.0} s ({prompt.shape[0]} latent frames); this model takes at most {config.MaxFrames} frames ({config.MaxFrames / config.FrameRate:0.0} s) for prompt and new speech together. Use a shorter clip.", nameof(request));
        }
        else if (!string.IsNullOrWhiteSpace(request.PromptTranscript))
        {
            throw new ArgumentException("A prompt transcript was given without a prompt clip.", nameof(request));
        }
        var ids = textEncoder.Encode(promptText + text);
        if (ids.Length > config.MaxTextLength)
            throw new ArgumentException($"The text is too long: {ids.Length} characters after normalisation, at most {config.MaxTextLength}. Split it into sentences.", nameof(request));
        if (request.DurationSeconds is { } seconds && !(seconds > 0)) throw new ArgumentException("The duration must be a positive number of seconds.", nameof(request));
        if (!(request.Pace > 0)) throw new ArgumentException("The pace must be positive.", nameof(request));
        int frames = request.DurationSeconds is { } s
            ? Math.Max(1, (int)Math.Round(s * config.FrameRate))
            : Math.Max(1, (int)Math.Round(durations.Predict(text) * request.Pace));
        int total = promptFrames + frames;
        if (total > config.MaxFrames)
            throw new ArgumentException($"The speech would be {total} latent frames ({total / config.FrameRate:0.0} s); this model makes at most {config.MaxFrames}.", nameof(request));
        return (ids, promptFrames, total);
    }

    /// <summary>Speaks <paramref name="request"/>, calling <paramref name="onChunk"/> with each piece of audio as soon as it is final.</summary>
    public SpeechResult Synthesize(SpeechRequest request, Action<float[]>? onChunk = null, CancellationToken cancellationToken = default)
    {
        var clock = Stopwatch.StartNew();
        var (ids, promptFrames, total) = Plan(request);
        TimeSpan? firstAudio = null;
        var samples = new List<float>();
        long skip = (long)Math.Round(promptFrames * decoder.SampleRate / decoder.FrameRate);
        long seen = 0;
        void Emit(float[] audio)
        {
            // The prompt's own audio comes out of the decoder first; only the new speech is returned.
            int drop = (int)Math.Clamp(skip - seen, 0, audio.Length);
            seen += audio.Length;
            if (drop == audio.Length) return;
            var chunk = drop == 0 ? audio : audio[drop..];
            firstAudio ??= clock.Elapsed;
            samples.AddRange(chunk);
            onChunk?.Invoke(chunk);
        }
        using var stream = decoder.OpenStream();
        using var scope = NewDisposeScope();
        Tensor? prefix = null;
        if (promptFrames > 0)
        {
            prefix = request.PromptLatents!.narrow(0, 0, promptFrames);
            Emit(stream.Push(prefix));
        }
        foreach (var block in synthesizer.Blocks(ids, total, prefix, request.Sampling, cancellationToken: cancellationToken))
            using (block)
                Emit(stream.Push(block.Latents));
        Emit(stream.Finish());
        return new SpeechResult([.. samples], decoder.SampleRate, total - promptFrames, firstAudio ?? clock.Elapsed, clock.Elapsed);
    }
}
