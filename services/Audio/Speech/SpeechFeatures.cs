using Media.Audio.Metrics;
using static TorchSharp.torch;

namespace Media.Services.Audio.Speech;

/// <summary>Waveforms to the normalised log-mel every speech model here reads (see <see cref="SpeechMelConfig"/>), and back to raw log-mel.</summary>
public sealed class SpeechFeatures : IDisposable
{
    readonly LogMelSpectrogram frontEnd;

    /// <summary>Features of <paramref name="config"/>.</summary>
    public SpeechFeatures(SpeechMelConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        config.Validate();
        Config = config;
        frontEnd = new LogMelSpectrogram(config.ToOptions());
    }

    /// <summary>The feature parameters.</summary>
    public SpeechMelConfig Config { get; }

    /// <summary>Mel frames for <paramref name="samples"/> samples (centred frames: samples / hop + 1).</summary>
    public int FrameCount(int samples) => frontEnd.FrameCount(samples);

    /// <summary>Natural-log mel <c>[mels, T]</c> or <c>[B, mels, T]</c> of a waveform <c>[N]</c> or <c>[B, N]</c>.</summary>
    public Tensor LogMel(Tensor waveform) => frontEnd.Forward(waveform);

    /// <summary>The model input: <c>(logmel - mean) / scale</c>.</summary>
    public Tensor Normalized(Tensor waveform)
    {
        using var scope = NewDisposeScope();
        return Normalize(frontEnd.Forward(waveform)).MoveToOuterDisposeScope();
    }

    /// <summary>Raw log-mel to model scale.</summary>
    public Tensor Normalize(Tensor logMel) => (logMel - Config.NormMean) / Config.NormScale;

    /// <summary>Model scale back to raw log-mel.</summary>
    public Tensor Denormalize(Tensor normalized) => normalized * Config.NormScale + Config.NormMean;

    /// <summary>Releases the front end's cached tensors.</summary>
    public void Dispose() => frontEnd.Dispose();
}
