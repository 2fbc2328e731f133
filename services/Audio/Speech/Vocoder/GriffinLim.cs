using Media.Audio.Metrics;
using TorchSharp;
using static TorchSharp.torch;
using Media.Modeling.Tensors;

namespace Media.Services.Audio.Speech.Vocoder;

/// <summary>
/// The baseline vocoder: mel back to a linear magnitude through the pseudo-inverse of the mel filterbank
/// (negative values clipped), then fast Griffin-Lim (Perraudin, Balazs, Sondergaard 2013; momentum 0.99
/// as torchaudio) from a seeded random phase, all with torch.stft/istft on the input's device.
/// </summary>
public sealed class GriffinLim : IVocoder, IDisposable
{
    readonly float[][] filterbank;
    readonly Dictionary<string, Tensor> cache = [];

    /// <summary>Griffin-Lim over <paramref name="mel"/> features with <paramref name="iterations"/> iterations.</summary>
    public GriffinLim(SpeechMelConfig mel, int iterations = 32, double momentum = 0.99, long seed = 0)
    {
        ArgumentNullException.ThrowIfNull(mel);
        mel.Validate();
        ArgumentOutOfRangeException.ThrowIfLessThan(iterations, 1);
        if (momentum is < 0 or >= 1) throw new ArgumentOutOfRangeException(nameof(momentum), momentum, "Momentum must lie in [0, 1).");
        Mel = mel;
        Iterations = iterations;
        Momentum = momentum;
        Seed = seed;
        var o = mel.ToOptions();
        filterbank = MelFilterbank.Create(o.SampleRate, o.FftSize, o.MelBands, o.FMin, o.FMax ?? o.SampleRate / 2.0, o.Scale);
    }

    /// <inheritdoc />
    public SpeechMelConfig Mel { get; }

    /// <summary>Phase-reconstruction iterations.</summary>
    public int Iterations { get; }

    /// <summary>Fast Griffin-Lim momentum (0 is the classic algorithm).</summary>
    public double Momentum { get; }

    /// <summary>Seed of the initial random phase.</summary>
    public long Seed { get; }

    /// <inheritdoc />
    public Tensor Synthesize(Tensor logMel)
    {
        ArgumentNullException.ThrowIfNull(logMel);
        if (logMel.dim() is not (2 or 3) || logMel.shape[^2] != Mel.MelBands)
            throw new ArgumentException($"Expected a log-mel [{Mel.MelBands}, T] or [B, {Mel.MelBands}, T]; got [{string.Join(", ", logMel.shape)}].", nameof(logMel));
        using var scope = NewDisposeScope();
        var inverse = Constant(logMel.device, "pinv", d => linalg.pinv(tensor(filterbank.SelectMany(r => r).ToArray(), [filterbank.Length, filterbank[0].Length], device: d)));
        var magnitude = matmul(inverse, logMel.to_type(ScalarType.Float32).exp()).ClampMin(0.0);
        return FromMagnitude(magnitude, Iterations).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// A waveform of <c>(T - 1) * hop</c> samples whose STFT magnitude approximates <paramref name="magnitude"/>
    /// <c>[bins, T]</c> or <c>[B, bins, T]</c> after <paramref name="iterations"/> iterations.
    /// </summary>
    public Tensor FromMagnitude(Tensor magnitude, int iterations)
    {
        ArgumentNullException.ThrowIfNull(magnitude);
        ArgumentOutOfRangeException.ThrowIfLessThan(iterations, 0);
        int bins = Mel.FftSize / 2 + 1;
        if (magnitude.dim() is not (2 or 3) || magnitude.shape[^2] != bins)
            throw new ArgumentException($"Expected a magnitude [{bins}, T] or [B, {bins}, T]; got [{string.Join(", ", magnitude.shape)}].", nameof(magnitude));
        using var scope = NewDisposeScope();
        var device = magnitude.device;
        var window = Constant(device, "window", d => hann_window(Mel.WindowLength, dtype: ScalarType.Float32, device: d));
        long length = (magnitude.shape[^1] - 1) * Mel.HopLength;
        using var generator = new Generator((ulong)Seed, CPU);
        var phase = (rand(magnitude.shape, generator: generator) * (2 * Math.PI)).to(device);
        var angles = complex(phase.cos(), phase.sin());
        Tensor previous = zeros_like(angles);
        for (int i = 0; i < iterations; i++)
        {
            using var step = NewDisposeScope();
            var waveform = Istft(magnitude * angles, window, length);
            var rebuilt = Stft(waveform, window);
            var next = rebuilt - previous * (Momentum / (1 + Momentum));
            next = next / (next.abs() + 1e-16);
            angles = next.MoveToOuterDisposeScope();
            previous = rebuilt.MoveToOuterDisposeScope();
        }
        return Istft(magnitude * angles, window, length).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Spectral convergence || |STFT(waveform)| - target || / || target || (Frobenius), the quantity
    /// Griffin-Lim decreases: how far a waveform's magnitude is from <paramref name="target"/>.
    /// </summary>
    public double SpectralConvergence(Tensor target, Tensor waveform)
    {
        ArgumentNullException.ThrowIfNull(target);
        ArgumentNullException.ThrowIfNull(waveform);
        using var scope = NewDisposeScope();
        var window = Constant(waveform.device, "window", d => hann_window(Mel.WindowLength, dtype: ScalarType.Float32, device: d));
        var magnitude = Stft(waveform, window).abs();
        return ((magnitude - target).norm() / target.norm().ClampMin(1e-12)).item<float>();
    }

    Tensor Stft(Tensor waveform, Tensor window) =>
        stft(waveform, Mel.FftSize, Mel.HopLength, Mel.WindowLength, window, center: true, pad_mode: PaddingModes.Reflect, return_complex: true);

    Tensor Istft(Tensor spectrum, Tensor window, long length) =>
        istft(spectrum, Mel.FftSize, Mel.HopLength, Mel.WindowLength, window, center: true, length: length);

    Tensor Constant(Device device, string name, Func<Device, Tensor> create)
    {
        lock (cache)
        {
            string key = device + "/" + name;
            if (!cache.TryGetValue(key, out var t))
            {
                using (NewDisposeScope()) t = create(device).DetachFromDisposeScope();
                cache[key] = t;
            }
            return t;
        }
    }

    /// <summary>Releases the cached window and pseudo-inverse.</summary>
    public void Dispose()
    {
        foreach (var t in cache.Values) t.Dispose();
        cache.Clear();
    }
}
