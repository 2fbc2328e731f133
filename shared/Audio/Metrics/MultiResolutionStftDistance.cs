using TorchSharp;
using static TorchSharp.torch;

namespace Media.Audio.Metrics;

/// <summary>One STFT resolution: FFT size, hop and Hann window length in samples.</summary>
public readonly record struct StftResolution(int FftSize, int HopLength, int WindowLength);

/// <summary>
/// Multi-resolution STFT distance (Yamamoto et al., Parallel WaveGAN, 2020): for each resolution,
/// spectral convergence ||  |X| - |Y|  ||_F / || |X| ||_F plus mean |log|X| - log|Y||; averaged over
/// resolutions. 0 for identical signals. Differentiable through <see cref="Forward"/> (a codec loss).
/// </summary>
public sealed class MultiResolutionStftDistance : IDisposable
{
    static readonly int[] FftSizesAt24k = [512, 1024, 2048];
    readonly DeviceTensorCache cache = new();

    /// <summary>A distance over explicit resolutions.</summary>
    public MultiResolutionStftDistance(IReadOnlyList<StftResolution> resolutions)
    {
        ArgumentNullException.ThrowIfNull(resolutions);
        if (resolutions.Count == 0) throw new ArgumentException("Give at least one resolution.", nameof(resolutions));
        foreach (var r in resolutions)
            if (r.FftSize < 2 || r.HopLength <= 0 || r.WindowLength <= 0 || r.WindowLength > r.FftSize)
                throw new ArgumentException($"Invalid resolution {r}.", nameof(resolutions));
        Resolutions = resolutions;
    }

    /// <summary>The resolutions, smallest first.</summary>
    public IReadOnlyList<StftResolution> Resolutions { get; }

    /// <summary>
    /// FFT sizes 512, 1024, 2048 at 24 kHz, scaled with the rate to the nearest power of two (256/512/1024 at
    /// 16 kHz), hop a quarter of the FFT, window the full FFT: the same time spans at any rate.
    /// </summary>
    public static MultiResolutionStftDistance ForSampleRate(int sampleRate)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(sampleRate, 0);
        return ForFftSizes(FftSizesAt24k.Select(size => Math.Max(64, 1 << (int)Math.Round(Math.Log2(size * sampleRate / 24000.0)))));
    }

    /// <summary>A distance over these FFT sizes (each once, smallest first), hop a quarter of the FFT, window the full FFT.</summary>
    public static MultiResolutionStftDistance ForFftSizes(IEnumerable<int> fftSizes)
    {
        ArgumentNullException.ThrowIfNull(fftSizes);
        return new MultiResolutionStftDistance([.. fftSizes.Distinct().Order().Select(fft => new StftResolution(fft, fft / 4, fft))]);
    }

    /// <summary>The distance between two waveforms of the same shape (<c>[T]</c> or <c>[B, T]</c>) as a scalar tensor.</summary>
    public Tensor Forward(Tensor reference, Tensor estimate)
    {
        ArgumentNullException.ThrowIfNull(reference);
        ArgumentNullException.ThrowIfNull(estimate);
        if (!reference.shape.SequenceEqual(estimate.shape))
            throw new ArgumentException($"Shapes differ: [{string.Join(", ", reference.shape)}] vs [{string.Join(", ", estimate.shape)}].", nameof(estimate));
        long length = reference.shape[^1];
        int largest = Resolutions.Max(r => r.FftSize);
        if (length <= largest / 2)
            throw new ArgumentException($"The signals have {length} samples; the largest resolution ({largest}) needs more than {largest / 2}.", nameof(reference));

        using var scope = NewDisposeScope();
        var device = reference.device;
        Tensor total = zeros(1, device: device);
        foreach (var r in Resolutions)
        {
            var window = cache.Get(device, $"hann{r.WindowLength}", d => hann_window(r.WindowLength, dtype: ScalarType.Float32, device: d));
            var x = Spectra.Magnitude(reference.to_type(ScalarType.Float32), r.FftSize, r.HopLength, r.WindowLength, window, center: true);
            var y = Spectra.Magnitude(estimate.to_type(ScalarType.Float32), r.FftSize, r.HopLength, r.WindowLength, window, center: true);
            var convergence = (x - y).norm() / x.norm().clamp_min(1e-7);
            var logMagnitude = (x.log() - y.log()).abs().mean();
            total = total + convergence + logMagnitude;
        }
        return (total / Resolutions.Count).squeeze().MoveToOuterDisposeScope();
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

    /// <summary>Releases the cached windows.</summary>
    public void Dispose() => cache.Dispose();
}
