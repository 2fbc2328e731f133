using TorchSharp;
using static TorchSharp.torch;

namespace Media.Audio.Metrics;

/// <summary>STFT magnitudes shared by the mel front end and the multi-resolution STFT distance.</summary>
internal static class Spectra
{
    /// <summary>
    /// |STFT| of <c>[T]</c> or <c>[B, T]</c> as <c>[..., bins, frames]</c>. The magnitude is
    /// sqrt(max(re^2 + im^2, 1e-10)) rather than abs(), whose gradient is undefined at zero.
    /// </summary>
    public static Tensor Magnitude(Tensor waveform, int fftSize, int hop, int windowLength, Tensor window, bool center)
    {
        using var scope = NewDisposeScope();
        var spec = stft(waveform, fftSize, hop, windowLength, window, center: center, pad_mode: PaddingModes.Reflect, return_complex: true);
        var parts = view_as_real(spec);
        var power = parts.square().sum(-1);
        return power.clamp_min(1e-10).sqrt().MoveToOuterDisposeScope();
    }
}
