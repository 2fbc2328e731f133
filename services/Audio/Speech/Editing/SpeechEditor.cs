using Media.Audio.IO;
using Media.Services.Audio.Speech.Generation;
using Media.Services.Audio.Speech.Recognizer;
using static TorchSharp.torch;

namespace Media.Services.Audio.Speech.Editing;

/// <summary>
/// Speech editing, ARDiT's way: a recording, its transcript and the new transcript in; the recording with the words that
/// differ re-spoken in its voice out. The recording is encoded to the voice's latents (the prompt encoder's VAE) and its
/// transcript force-aligned (<see cref="CtcTextAligner"/>, the recognizer the voice's training alignments came from), which
/// says where the changed words are. The span keeps the speaker's pace (the duration predictor's frames for the new words,
/// scaled by how the recording's length compares with its prediction), and the voice regenerates it from the block boundary
/// before it: with the audio after it in context (fill-in-the-middle), or from the left alone.
/// </summary>
public sealed class SpeechEditor(StreamingSpeechSynthesizer speech, SpeechPromptEncoder encoder, CtcTextAligner aligner)
{
    readonly StreamingSpeechSynthesizer speech = speech ?? throw new ArgumentNullException(nameof(speech));
    readonly SpeechPromptEncoder encoder = encoder ?? throw new ArgumentNullException(nameof(encoder));
    readonly CtcTextAligner aligner = aligner ?? throw new ArgumentNullException(nameof(aligner));

    /// <summary>The method a request without one gets: fill-in-the-middle when the voice was trained for it.</summary>
    public SpeechEditMethod DefaultMethod => speech.FillInMiddle ? SpeechEditMethod.FillInMiddle : SpeechEditMethod.LeftContext;

    /// <summary>
    /// Edits <paramref name="audio"/>, which says <paramref name="transcript"/>, to say <paramref name="text"/>, streaming
    /// the edited utterance through <paramref name="onChunk"/>. Bad input (nothing changed, a transcript the audio does not
    /// say, a result too long for the voice, fill-in-the-middle on a voice not trained for it) raises an
    /// <see cref="ArgumentException"/> written for the requester.
    /// </summary>
    public (SpeechResult Result, SpeechEditPlan Plan) Edit(AudioBuffer audio, string transcript, string text, ArditSamplingOptions sampling,
        SpeechEditMethod? method = null, Action<float[]>? onChunk = null, CancellationToken cancellationToken = default)
    {
        using var prepared = Prepare(audio, transcript, text, sampling, method);
        return (speech.SynthesizeEdit(prepared.Plan, prepared.Latents, sampling, onChunk, cancellationToken), prepared.Plan);
    }

    /// <summary>
    /// The first half of <see cref="Edit"/>: the recording encoded and the edit planned (the prompt encoder and the aligner
    /// serve one request at a time); <see cref="StreamingSpeechSynthesizer.SynthesizeEdit"/> then speaks it.
    /// </summary>
    public PreparedSpeechEdit Prepare(AudioBuffer audio, string transcript, string text, ArditSamplingOptions sampling, SpeechEditMethod? method = null)
    {
        ArgumentNullException.ThrowIfNull(audio);
        ArgumentNullException.ThrowIfNull(sampling);
        speech.CheckSampling(sampling);
        var latents = encoder.Encode(audio);
        try
        {
            return new PreparedSpeechEdit(latents, Plan(audio, latents, transcript, text, sampling, method ?? DefaultMethod));
        }
        catch
        {
            latents.Dispose();
            throw;
        }
    }

    /// <summary>The plan of an edit of <paramref name="audio"/> whose latents [N, C] are <paramref name="latents"/> (see <see cref="Edit"/>).</summary>
    public SpeechEditPlan Plan(AudioBuffer audio, Tensor latents, string transcript, string text, ArditSamplingOptions sampling, SpeechEditMethod method)
    {
        ArgumentNullException.ThrowIfNull(audio);
        ArgumentNullException.ThrowIfNull(latents);
        ArgumentNullException.ThrowIfNull(transcript);
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(sampling);
        using var scope = NewDisposeScope();
        if (method == SpeechEditMethod.FillInMiddle && !speech.FillInMiddle)
            throw new ArgumentException("This voice was not trained with fill-in-the-middle, so it edits from the left context only (method \"left-context\").");
        var config = speech.Synthesizer.Model.Config;
        string old = speech.TextEncoder.Normalize(transcript), @new = speech.TextEncoder.Normalize(text);
        if (old.Length == 0) throw new ArgumentException("The transcript is empty (nothing speakable after normalisation).");
        if (@new.Length == 0) throw new ArgumentException("The new text is empty (nothing speakable after normalisation).");
        if (@new.Length > config.MaxTextLength)
            throw new ArgumentException($"The new text is {@new.Length} characters after normalisation; this voice edits utterances of at most {config.MaxTextLength}.");
        var edit = TranscriptEdit.Between(old, @new);
        int n = (int)latents.shape[0];
        var seconds = aligner.Align(audio.WithChannels(1).Resample(aligner.SampleRate).Channels[0], edit.Old)
            ?? throw new ArgumentException("The transcript could not be aligned to the audio (the audio is too short for it): check that it says what the audio says.");
        double rate = speech.FrameRate;
        var heard = seconds.Select(t => Math.Clamp(t * rate, 0, n - 1e-3)).ToArray();
        int cutStart = Boundary(edit.Old, heard, edit.OldStart, n);
        int cutEnd = Math.Max(cutStart, Boundary(edit.Old, heard, edit.OldEnd, n));
        // The speaker's pace against the predictor's, applied to the new words.
        double pace = n / (double)speech.Durations.Predict(edit.Old);
        int span = edit.NewSpan.Any(char.IsLetterOrDigit) ? Math.Max(1, (int)Math.Round(pace * speech.Durations.SpanFrames(edit.NewSpan))) : 0;
        int keep = speech.Synthesizer.EditStart(cutStart, sampling);
        int blockSize = sampling.BlockSize ?? config.BlockSize;
        // A deletion at a block boundary leaves nothing to generate: regenerate the start of what follows (one block), or at
        // the very end the last block before the cut, so the join is still smoothed.
        int extra = 0;
        if (keep == cutStart + span)
        {
            if (n - cutEnd > 1) extra = Math.Min(blockSize, n - cutEnd - 1);
            else if (keep >= blockSize) keep -= blockSize;
            else throw new ArgumentException("The edit leaves less than one block of the recording: say the new text with a speech job instead.");
        }
        int suffixStart = cutStart + span + extra, oldSuffixStart = cutEnd + extra;
        int total = suffixStart + (n - oldSuffixStart);
        if (total > config.MaxFrames)
            throw new ArgumentException($"The edited audio would be {total / rate:0.##} s; this voice makes at most {config.MaxFrames / rate:0.##} s ({config.MaxFrames} latent frames).");
        var ids = speech.TextEncoder.Encode(edit.New);
        var frames = new double[edit.New.Length];
        for (int i = 0; i < edit.NewStart; i++) frames[i] = heard[i];
        if (edit.NewEnd > edit.NewStart)
        {
            var spanIds = speech.TextEncoder.Encode(edit.NewSpan);
            using var spanText = tensor(spanIds.Select(x => (long)x).ToArray(), [1, spanIds.Length]);
            var placed = speech.Synthesizer.Model.TextFrames(spanText, [spanIds.Length], [Math.Max(span, 1)])[0];
            for (int i = 0; i < placed.Length; i++) frames[edit.NewStart + i] = cutStart + placed[i];
        }
        for (int i = edit.NewEnd; i < frames.Length; i++) frames[i] = heard[i - edit.NewEnd + edit.OldEnd] - cutEnd + cutStart + span;
        for (int i = 0; i < frames.Length; i++) frames[i] = Math.Clamp(frames[i], 0, total - 1e-3);
        // A uniform-timing voice was trained with its characters at an even rate, never at aligned frames: it places them itself.
        return new SpeechEditPlan(edit, method, ids, config.IsAligned ? frames : null, total, keep, cutStart, cutStart + span, suffixStart, oldSuffixStart);
    }

    /// <summary>
    /// The latent frame of the boundary before character <paramref name="index"/> of <paramref name="text"/>: the start or
    /// end of the audio, else where the space there is heard (between two characters neither of which is a space: midway).
    /// </summary>
    static int Boundary(string text, double[] heard, int index, int frames)
    {
        if (index <= 0) return 0;
        if (index >= text.Length) return frames;
        double at = text[index - 1] == ' ' ? heard[index - 1] : text[index] == ' ' ? heard[index] : (heard[index - 1] + heard[index]) / 2;
        return Math.Clamp((int)Math.Round(at), 0, frames);
    }
}

/// <summary>An edit ready to speak: the recording's latents [N, C] (owned) and the plan.</summary>
public sealed record PreparedSpeechEdit(Tensor Latents, SpeechEditPlan Plan) : IDisposable
{
    /// <summary>Frees the latents.</summary>
    public void Dispose() => Latents.Dispose();
}
