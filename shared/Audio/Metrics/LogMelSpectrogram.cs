using TorchSharp;
using static TorchSharp.torch;
using Media.Modeling.Tensors;

namespace Media.Audio.Metrics;

/// <summary>
/// Log-mel front end on libtorch (torch.stft), differentiable, on the input's device: waveform
/// <c>[T]</c> or <c>[B, T]</c> to <c>[mels, frames]</c> or <c>[B, mels, frames]</c>, log(max(mel, floor)).
/// Shared by the metrics, the codec's mel loss and the TTS mel autoencoder.
/// </summary>
public sealed class LogMelSpectrogram : IDisposable
{
    readonly DeviceTensorCache cache = new();
    readonly float[][] filterbank;

    /// <summary>A front end with <paramref name="options"/> (validated here).</summary>
    public LogMelSpectrogram(MelSpectrogramOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        Options = options;
        filterbank = MelFilterbank.Create(options.SampleRate, options.FftSize, options.MelBands, options.FMin,
            options.FMax ?? options.SampleRate / 2.0, options.Scale);
    }

    /// <summary>The parameters.</summary>
    public MelSpectrogramOptions Options { get; }

    /// <summary>Frames produced for <paramref name="samples"/> input samples.</summary>
    public int FrameCount(int samples) => Options.Center
        ? samples / Options.HopLength + 1
        : Math.Max(0, (samples - Options.FftSize) / Options.HopLength + 1);

    /// <summary>Mel spectrogram before the log (magnitude ^ power through the filterbank).</summary>
    public Tensor Mel(Tensor waveform)
    {
        ArgumentNullException.ThrowIfNull(waveform);
        if (waveform.dim() is not (1 or 2)) throw new ArgumentException($"Expected a waveform [T] or [B, T]; got shape [{string.Join(", ", waveform.shape)}].", nameof(waveform));
        long length = waveform.shape[^1];
        if (Options.Center && length <= Options.FftSize / 2)
            throw new ArgumentException($"The waveform has {length} samples; centred frames need more than {Options.FftSize / 2}.", nameof(waveform));
        if (!Options.Center && length < Options.FftSize)
            throw new ArgumentException($"The waveform has {length} samples; one frame needs {Options.FftSize}.", nameof(waveform));

        using var scope = NewDisposeScope();
        var device = waveform.device;
        var window = cache.Get(device, "window", d => hann_window(Options.WindowLength, dtype: ScalarType.Float32, device: d));
        var fb = cache.Get(device, "filterbank", d =>
            tensor(filterbank.SelectMany(row => row).ToArray(), [filterbank.Length, filterbank[0].Length], device: d));
        var magnitude = Spectra.Magnitude(waveform.to_type(ScalarType.Float32), Options.FftSize, Options.HopLength, Options.WindowLength, window, Options.Center);
        var spectrum = Options.Power == 1 ? magnitude : magnitude.Pow(Options.Power);
        return matmul(fb, spectrum).MoveToOuterDisposeScope();
    }

    /// <summary>log(max(mel, floor)).</summary>
    public Tensor Forward(Tensor waveform)
    {
        using var scope = NewDisposeScope();
        return Mel(waveform).ClampMin(Options.LogFloor).log().MoveToOuterDisposeScope();
    }

    /// <summary>Log-mel of a float array as <c>[mels][frames]</c> on the CPU.</summary>
    public float[][] Compute(float[] samples)
    {
        ArgumentNullException.ThrowIfNull(samples);
        using var scope = NewDisposeScope();
        var logMel = Forward(tensor(samples));
        var flat = logMel.data<float>().ToArray();
        int bands = (int)logMel.shape[0], frames = (int)logMel.shape[1];
        var result = new float[bands][];
        for (int b = 0; b < bands; b++) result[b] = flat.AsSpan(b * frames, frames).ToArray();
        return result;
    }

    /// <summary>Releases the cached window and filterbank tensors.</summary>
    public void Dispose() => cache.Dispose();
}
