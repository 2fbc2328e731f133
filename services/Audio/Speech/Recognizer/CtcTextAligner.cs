using Media.Services.Audio.Speech.FrontEnd;
using static TorchSharp.torch;

namespace Media.Services.Audio.Speech.Recognizer;

/// <summary>
/// Where each character of an utterance's canonical text is spoken, in seconds, read off a trained CTC recognizer by
/// forced alignment. The recognizer hears only its target form (<see cref="TextFrontEnd.RecognitionTarget"/>): spaces
/// and letters align directly, a hyphen aligns as the space it is heard as, and prosody marks (silent) take the middle
/// of the gap between their aligned neighbours (a trailing mark: between the last character and the end).
/// </summary>
public sealed class CtcTextAligner : IDisposable
{
    readonly CtcRecognizer recognizer;
    readonly SpeechFeatures features;

    /// <summary>An aligner over <paramref name="recognizer"/> (on its device, in eval mode).</summary>
    public CtcTextAligner(CtcRecognizer recognizer)
    {
        this.recognizer = recognizer ?? throw new ArgumentNullException(nameof(recognizer));
        features = new SpeechFeatures(recognizer.Config.Mel);
    }

    /// <summary>The sample rate <see cref="Align"/> takes audio at.</summary>
    public int SampleRate => recognizer.Config.Mel.SampleRate;

    /// <summary>Seconds per recognizer output frame.</summary>
    public double FrameSeconds => CtcRecognizerConfig.Subsampling / recognizer.Config.Mel.FrameRate;

    /// <summary>
    /// The time (seconds, the middle of the recognizer frame that first emits it) of every character of
    /// <paramref name="canonical"/> spoken in <paramref name="samples"/> (mono, at the recognizer's sample rate),
    /// or null when the recognizer's frames cannot hold the text.
    /// </summary>
    public double[]? Align(float[] samples, string canonical)
    {
        ArgumentNullException.ThrowIfNull(samples);
        ArgumentNullException.ThrowIfNull(canonical);
        if (canonical.Length == 0) return [];
        var (labels, labelOf) = Labels(canonical);
        float[,] logProbs;
        using (var scope = NewDisposeScope())
        using (var noGrad = no_grad())
        {
            var mel = features.Normalized(tensor(samples, device: recognizer.parameters().First().device).unsqueeze(0));
            var rows = recognizer.forward(mel).squeeze(0).cpu();
            int frames = (int)rows.shape[0], symbols = (int)rows.shape[1];
            var flat = rows.data<float>().ToArray();
            logProbs = new float[frames, symbols];
            Buffer.BlockCopy(flat, 0, logProbs, 0, flat.Length * sizeof(float));
        }
        var first = CtcForcedAligner.Align(logProbs, labels, SpeechSymbols.Pad);
        if (first is null) return null;
        double end = logProbs.GetLength(0) * FrameSeconds;
        var seconds = new double[canonical.Length];
        for (int i = 0; i < canonical.Length; i++) seconds[i] = labelOf[i] >= 0 ? (first[labelOf[i]] + 0.5) * FrameSeconds : double.NaN;
        // Silent marks: midway between the aligned characters around them (or the end of the audio).
        for (int i = 0; i < canonical.Length; i++)
        {
            if (!double.IsNaN(seconds[i])) continue;
            int before = i - 1, after = i + 1;
            while (before >= 0 && labelOf[before] < 0) before--;
            while (after < canonical.Length && labelOf[after] < 0) after++;
            double lo = before >= 0 ? seconds[before] : 0, hi = after < canonical.Length ? seconds[after] : end;
            seconds[i] = (lo + hi) / 2;
        }
        return seconds;
    }

    /// <summary>The recognizer's label ids for <paramref name="canonical"/> and, per character, the label it is heard as (-1: silent).</summary>
    (List<int> Labels, int[] LabelOf) Labels(string canonical)
    {
        var labels = new List<int>();
        var labelOf = new int[canonical.Length];
        int space = recognizer.Symbols.IdOf(' ');
        for (int i = 0; i < canonical.Length; i++)
        {
            char c = canonical[i];
            if (SpeechSymbols.IsProsodyMark(c)) { labelOf[i] = -1; continue; }
            int id = c == '-' ? space : recognizer.Symbols.IdOf(c);
            // Spaces collapse in the recognition target: a space after a space (or a hyphen) is heard as the same one.
            if (id == space && (labels.Count == 0 || labels[^1] == space))
            {
                labelOf[i] = labels.Count == 0 ? -1 : labels.Count - 1;
                continue;
            }
            labelOf[i] = labels.Count;
            labels.Add(id);
        }
        // A trailing space is not in the target either.
        while (labels.Count > 0 && labels[^1] == space)
        {
            for (int i = 0; i < labelOf.Length; i++) if (labelOf[i] == labels.Count - 1) labelOf[i] = -1;
            labels.RemoveAt(labels.Count - 1);
        }
        return (labels, labelOf);
    }

    /// <summary>Frees the feature front end.</summary>
    public void Dispose() => features.Dispose();
}
