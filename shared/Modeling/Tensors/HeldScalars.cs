using TorchSharp;
using static TorchSharp.torch;

namespace Media.Modeling.Tensors;

/// <summary>
/// Tensor operations that take a number, with the number's <see cref="Scalar"/> kept alive until libtorch returns.
/// TorchSharp passes a Scalar's native handle and keeps no reference to it during the call, so a temporary Scalar
/// (C#'s implicit conversion in <c>x.masked_fill(mask, float.NegativeInfinity)</c>) can be collected, and its finalizer
/// free the native value, while libtorch is still working: masked_fill clones first and reads the value last, pow and
/// clamp build their iterator first. With other threads allocating (the image and speech workers at once) the
/// collection happens inside that window, and libtorch reads freed memory ("toFloat" errors, assertions). Here the
/// Scalar is held by a <c>using</c> across the call. Served code uses these for every operation that reads its number
/// after allocating; see docs/MODELING.md ("Scalars and threads").
/// </summary>
public static class HeldScalars
{
    public static Tensor MaskedFill(this Tensor x, Tensor mask, double value)
    {
        using var held = value.ToScalar();
        return x.masked_fill(mask, held);
    }

    public static Tensor Pow(this Tensor x, double exponent)
    {
        using var held = exponent.ToScalar();
        return x.pow(held);
    }

    public static Tensor ClampMin(this Tensor x, double min)
    {
        using var held = min.ToScalar();
        return x.clamp_min(held);
    }

    public static Tensor ClampMin(this Tensor x, long min)
    {
        using var held = min.ToScalar();
        return x.clamp_min(held);
    }

    public static Tensor Clamp(this Tensor x, double min, double max)
    {
        using var low = min.ToScalar();
        using var high = max.ToScalar();
        return x.clamp(low, high);
    }

    /// <summary><c>full_like</c>: the value is written after the tensor is allocated.</summary>
    public static Tensor FullLike(Tensor like, double value)
    {
        using var held = value.ToScalar();
        return full_like(like, held);
    }

    public static Tensor FullLike(Tensor like, long value)
    {
        using var held = value.ToScalar();
        return full_like(like, held);
    }

    public static Tensor Fill(this Tensor x, long value)
    {
        using var held = value.ToScalar();
        return x.fill_(held);
    }
}
