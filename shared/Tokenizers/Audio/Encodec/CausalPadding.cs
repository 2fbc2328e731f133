using TorchSharp;
using static TorchSharp.torch;

namespace Media.Tokenizers.Audio.Encodec;

/// <summary>
/// EnCodec's causal padding arithmetic. A convolution with kernel k, dilation d and stride s has an
/// effective kernel k_eff = (k-1)*d+1 and pads pad_total = k_eff - s on the left, plus just enough on
/// the right that the last window is full; a transposed convolution trims pad_total = k - s from the right.
/// </summary>
public static class CausalPadding
{
    /// <summary>k_eff = (k - 1) * d + 1.</summary>
    public static int EffectiveKernelSize(int kernelSize, int dilation)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(kernelSize);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(dilation);
        return (kernelSize - 1) * dilation + 1;
    }

    /// <summary>Left padding of a causal convolution: k_eff - s (may be negative when the stride exceeds the kernel).</summary>
    public static int PaddingTotal(int kernelSize, int stride, int dilation = 1)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(stride);
        return EffectiveKernelSize(kernelSize, dilation) - stride;
    }

    /// <summary>
    /// Right padding that makes the last window full: with frames = ceil((length - k_eff + pad_total) / s + 1) - 1,
    /// the padded length is frames * s + k_eff - pad_total, and this returns its difference from <paramref name="length"/>.
    /// </summary>
    public static long ExtraPadding(long length, int effectiveKernelSize, int stride, int paddingTotal)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(effectiveKernelSize);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(stride);
        long frames = CeilDiv(length - effectiveKernelSize + paddingTotal, stride);
        long idealLength = frames * stride + effectiveKernelSize - paddingTotal;
        return idealLength - length;
    }

    /// <summary>Samples a transposed convolution trims from the right of its output: k - s.</summary>
    public static int TransposedTrim(int kernelSize, int stride)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(kernelSize);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(stride);
        return kernelSize - stride;
    }

    /// <summary>
    /// Pads the last dimension by (<paramref name="left"/>, <paramref name="right"/>). Reflection needs
    /// more samples than the pad, so a shorter input is first extended with zeros on the right, reflected,
    /// and the zeros trimmed again (HF's <c>_pad1d</c>).
    /// </summary>
    public static Tensor Pad1d(Tensor input, long left, long right, EncodecPadMode mode)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentOutOfRangeException.ThrowIfNegative(left);
        ArgumentOutOfRangeException.ThrowIfNegative(right);
        if (left == 0 && right == 0) return input.alias();
        if (mode == EncodecPadMode.Constant) return nn.functional.pad(input, [left, right], PaddingModes.Constant, 0);
        long length = input.shape[^1];
        long maxPad = Math.Max(left, right);
        if (length > maxPad) return nn.functional.pad(input, [left, right], PaddingModes.Reflect);
        using var scope = NewDisposeScope();
        long zeros = maxPad - length + 1;
        var extended = nn.functional.pad(input, [0, zeros], PaddingModes.Constant, 0);
        var padded = nn.functional.pad(extended, [left, right], PaddingModes.Reflect);
        return padded.narrow(-1, 0, padded.shape[^1] - zeros).MoveToOuterDisposeScope();
    }

    static long CeilDiv(long a, long b) => a >= 0 ? (a + b - 1) / b : -(-a / b);
}
