using Media.Modeling.Training;
using Media.Services.Audio.Speech.Data;
using Media.Services.Audio.Speech.FrontEnd;
using Media.Services.Audio.Speech.Recognizer;
using static TorchSharp.torch;

namespace Media.Services.Audio.Speech.Training;

/// <summary>A batch of whole utterances for CTC: normalised log-mel padded with silence, frame counts, targets padded with 0, target lengths.</summary>
public sealed record CtcBatch(Tensor Mel, long[] Frames, Tensor Targets, long[] TargetLengths);

/// <summary>
/// Trains a <see cref="CtcRecognizer"/> on whole utterances (padding is silence, which the corpus clips
/// begin and end with anyway) and validates with the greedy CER on held-out clips. With a band-limit probability p, each
/// training utterance is low-passed with probability p at a cutoff drawn uniformly from <see cref="BandLimitLowestCutoff"/>
/// Hz to the Nyquist frequency (a brick wall over its spectrum), so the recognizer learns to read speech whose upper band a
/// codec or a narrowband channel took away, as well as clean speech.
/// </summary>
public sealed class RecognizerTraining : IDisposable
{
    readonly CtcRecognizer model;
    readonly SpeechFeatures features;
    readonly SpeechClipSet heldOut;
    readonly int validationClips;

    /// <summary>The lowest cutoff of the band-limit augmentation: narrowband telephony's upper edge, about.</summary>
    public const double BandLimitLowestCutoff = 3000;

    /// <summary>
    /// A trainer for <paramref name="model"/> (on its device) over <paramref name="train"/>, validated on up to
    /// <paramref name="validationClips"/> clips of <paramref name="heldOut"/> (never band-limited); each training utterance is
    /// band-limited with probability <paramref name="bandLimit"/>.
    /// </summary>
    public RecognizerTraining(CtcRecognizer model, SpeechClipSet train, SpeechClipSet heldOut, SpeechTrainingOptions options, int validationClips = 40, double bandLimit = 0)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(train);
        ArgumentNullException.ThrowIfNull(heldOut);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfNegative(bandLimit);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(bandLimit, 1);
        this.model = model;
        this.heldOut = heldOut;
        this.validationClips = validationClips;
        features = new SpeechFeatures(model.Config.Mel);
        Trainer = new Trainer<CtcBatch>(model, p =>
            {
                var random = p.CreateRandom();
                var indices = Enumerable.Range(0, options.BatchSize).Select(_ => random.Next(train.Clips.Count)).ToArray();
                double nyquist = model.Config.Mel.SampleRate / 2.0;
                var cutoffs = indices.Select(_ => random.NextDouble() < bandLimit ? BandLimitLowestCutoff + random.NextDouble() * (nyquist - BandLimitLowestCutoff) : nyquist).ToArray();
                return Batch(train, indices, p.Device, bandLimit > 0 ? cutoffs : null);
            },
            b => model.Loss(b.Mel, b.Frames, b.Targets, b.TargetLengths), options.ToTrainerOptions("frames"), b => b.Frames.Sum())
        {
            Evaluate = _ => new Dictionary<string, double> { ["val_cer"] = Evaluation.RecognizerEvaluation.Cer(model, features, heldOut.Clips.Take(validationClips)) },
        };
    }

    /// <summary>The underlying trainer.</summary>
    public Trainer<CtcBatch> Trainer { get; }

    /// <summary>
    /// The CTC batch of clips <paramref name="indices"/> of <paramref name="clips"/>; with <paramref name="cutoffs"/> (Hz, one
    /// per clip) each clip is low-passed there first (<see cref="LowPass"/>).
    /// </summary>
    public CtcBatch Batch(SpeechClipSet clips, IReadOnlyList<int> indices, Device device, IReadOnlyList<double>? cutoffs = null)
    {
        ArgumentNullException.ThrowIfNull(clips);
        ArgumentNullException.ThrowIfNull(indices);
        var (waves, lengths) = clips.Padded(indices, device);
        using (waves)
        {
            using var limited = cutoffs is null ? null : LowPass(waves, cutoffs, model.Config.Mel.SampleRate);
            var mel = features.Normalized(limited ?? waves);
            var frames = lengths.Select(n => (long)features.FrameCount(n)).ToArray();
            var symbols = model.Symbols;
            var targets = indices.Select(i => clips.Clips[i].Target.Select(symbols.IdOf).ToArray()).ToArray();
            int longest = targets.Max(t => t.Length);
            var flat = new long[targets.Length * longest];
            for (int b = 0; b < targets.Length; b++)
                for (int s = 0; s < targets[b].Length; s++) flat[b * longest + s] = targets[b][s];
            return new CtcBatch(mel, frames, tensor(flat, [targets.Length, longest], device: device), targets.Select(t => (long)t.Length).ToArray());
        }
    }

    /// <summary>
    /// Waves [B, T] at <paramref name="sampleRate"/> with everything above row b's cutoff removed: its spectrum (one FFT over
    /// the row) is zeroed above the cutoff and transformed back. A cutoff at or above the Nyquist frequency leaves the row as it is.
    /// </summary>
    public static Tensor LowPass(Tensor waves, IReadOnlyList<double> cutoffs, int sampleRate)
    {
        ArgumentNullException.ThrowIfNull(waves);
        ArgumentNullException.ThrowIfNull(cutoffs);
        if (waves.dim() != 2 || waves.shape[0] != cutoffs.Count)
            throw new ArgumentException($"Expected waves [B, T] with one cutoff per row; got [{string.Join(", ", waves.shape)}] and {cutoffs.Count} cutoffs.");
        using var scope = NewDisposeScope();
        long n = waves.shape[1];
        var spectrum = fft.rfft(waves, dim: 1);
        var frequencies = fft.rfftfreq(n, 1.0 / sampleRate, device: waves.device).unsqueeze(0);             // [1, F]
        var limits = tensor(cutoffs.Select(c => (float)c).ToArray(), device: waves.device).unsqueeze(1);   // [B, 1]
        var kept = (frequencies <= limits).to(spectrum.dtype);
        // Rows at the Nyquist frequency come back exactly as they were, not through the FFT's rounding.
        var untouched = (limits >= sampleRate / 2.0).to(waves.device);
        return where(untouched, waves, fft.irfft(spectrum * kept, n, dim: 1)).MoveToOuterDisposeScope();
    }

    /// <summary>Frees the features and the trainer.</summary>
    public void Dispose()
    {
        Trainer.Dispose();
        features.Dispose();
    }
}
