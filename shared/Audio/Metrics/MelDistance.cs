using TorchSharp;
using static TorchSharp.torch;

namespace Media.Audio.Metrics;

/// <summary>
/// Log-mel distance: mean over bands and frames of |log mel(reference) - log mel(estimate)|, with the
/// <see cref="LogMelSpectrogram"/> of the given options (by default 1024-point FFT, hop 256, 80 Slaney
/// bands, magnitude, natural log floored at 1e-5). 0 for identical signals; lower is better.
/// Differentiable through <see cref="Forward"/>, so it doubles as a training loss.
/// </summary>
public sealed class MelDistance : IDisposable
{
    readonly LogMelSpectrogram frontEnd;

    /// <summary>A distance with the default mel options at <paramref name="sampleRate"/>.</summary>
    public MelDistance(int sampleRate) : this(new MelSpectrogramOptions { SampleRate = sampleRate }) { }

    /// <summary>A distance with explicit mel options.</summary>
    public MelDistance(MelSpectrogramOptions options) => frontEnd = new LogMelSpectrogram(options);

    /// <summary>Mean L1 between log-mels of two waveforms of the same shape, as a scalar tensor.</summary>
    public Tensor Forward(Tensor reference, Tensor estimate)
    {
        ArgumentNullException.ThrowIfNull(reference);
        ArgumentNullException.ThrowIfNull(estimate);
        if (!reference.shape.SequenceEqual(estimate.shape))
            throw new ArgumentException($"Shapes differ: [{string.Join(", ", reference.shape)}] vs [{string.Join(", ", estimate.shape)}].", nameof(estimate));
        using var scope = NewDisposeScope();
        return (frontEnd.Forward(reference) - frontEnd.Forward(estimate)).abs().mean().MoveToOuterDisposeScope();
    }

    /// <summary>The distance between two float signals of equal length.</summary>
    public double Compute(float[] reference, float[] estimate)
    {
        ArgumentNullException.ThrowIfNull(reference);
        ArgumentNullException.ThrowIfNull(estimate);
        SignalMetrics.CheckLengths(reference, estimate);
        using var scope = NewDisposeScope();
        return Forward(tensor(reference), tensor(estimate)).item<float>();
    }

    /// <summary>Releases the front end's tensors.</summary>
    public void Dispose() => frontEnd.Dispose();
}
