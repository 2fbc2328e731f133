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
/// begin and end with anyway) and validates with the greedy CER on held-out clips.
/// </summary>
public sealed class RecognizerTraining : IDisposable
{
    readonly CtcRecognizer model;
    readonly SpeechFeatures features;
    readonly SpeechClipSet heldOut;
    readonly int validationClips;

    /// <summary>A trainer for <paramref name="model"/> (on its device) over <paramref name="train"/>, validated on up to <paramref name="validationClips"/> clips of <paramref name="heldOut"/>.</summary>
    public RecognizerTraining(CtcRecognizer model, SpeechClipSet train, SpeechClipSet heldOut, SpeechTrainingOptions options, int validationClips = 40)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(train);
        ArgumentNullException.ThrowIfNull(heldOut);
        ArgumentNullException.ThrowIfNull(options);
        this.model = model;
        this.heldOut = heldOut;
        this.validationClips = validationClips;
        features = new SpeechFeatures(model.Config.Mel);
        Trainer = new Trainer<CtcBatch>(model, p =>
            {
                var random = p.CreateRandom();
                return Batch(train, Enumerable.Range(0, options.BatchSize).Select(_ => random.Next(train.Clips.Count)).ToArray(), p.Device);
            },
            b => model.Loss(b.Mel, b.Frames, b.Targets, b.TargetLengths), options.ToTrainerOptions("frames"), b => b.Frames.Sum())
        {
            Evaluate = _ => new Dictionary<string, double> { ["val_cer"] = Evaluation.RecognizerEvaluation.Cer(model, features, heldOut.Clips.Take(validationClips)) },
        };
    }

    /// <summary>The underlying trainer.</summary>
    public Trainer<CtcBatch> Trainer { get; }

    /// <summary>The CTC batch of clips <paramref name="indices"/> of <paramref name="clips"/>.</summary>
    public CtcBatch Batch(SpeechClipSet clips, IReadOnlyList<int> indices, Device device)
    {
        ArgumentNullException.ThrowIfNull(clips);
        ArgumentNullException.ThrowIfNull(indices);
        var (waves, lengths) = clips.Padded(indices, device);
        using (waves)
        {
            var mel = features.Normalized(waves);
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

    /// <summary>Frees the features and the trainer.</summary>
    public void Dispose()
    {
        Trainer.Dispose();
        features.Dispose();
    }
}
