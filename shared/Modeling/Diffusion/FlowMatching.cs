using static TorchSharp.torch;

namespace Media.Modeling.Diffusion;

/// <summary>
/// Rectified-flow / flow-matching in D-AR's convention: x_t = t x1 + (1 - t) x0 with x0 noise at t = 0 and
/// data x1 at t = 1; the model predicts the velocity x1 - x0. Times are [B] tensors broadcast over the
/// trailing dimensions of x.
/// </summary>
public static class FlowMatching
{
    /// <summary>x_t = t x1 + (1 - t) x0.</summary>
    public static Tensor Interpolate(Tensor x0, Tensor x1, Tensor t)
    {
        ArgumentNullException.ThrowIfNull(x0);
        ArgumentNullException.ThrowIfNull(x1);
        using var scope = NewDisposeScope();
        var tt = Broadcast(t, x1);
        return (tt * x1 + (1 - tt) * x0).MoveToOuterDisposeScope();
    }

    /// <summary>The regression target x1 - x0.</summary>
    public static Tensor VelocityTarget(Tensor x0, Tensor x1)
    {
        ArgumentNullException.ThrowIfNull(x0);
        ArgumentNullException.ThrowIfNull(x1);
        return x1 - x0;
    }

    /// <summary>Time shift t' = t / (t + s (1 - t)); s &gt; 1 spends more steps near the noise end (D-AR: s = 2).</summary>
    public static double Shift(double t, double shift)
    {
        CheckShift(shift);
        return t / (t + shift * (1 - t));
    }

    /// <summary>Elementwise <see cref="Shift(double, double)"/> (used on training times as D-AR does).</summary>
    public static Tensor Shift(Tensor t, double shift)
    {
        ArgumentNullException.ThrowIfNull(t);
        CheckShift(shift);
        using var scope = NewDisposeScope();
        return (t / (t + shift * (1 - t))).MoveToOuterDisposeScope();
    }

    /// <summary>The sampling times 0, 1/n, ..., 1 after the time shift: n steps, n + 1 points.</summary>
    public static double[] Schedule(int steps, double shift = 1.0)
    {
        if (steps <= 0) throw new ArgumentOutOfRangeException(nameof(steps), steps, "A flow sampler needs at least one step.");
        return [.. Enumerable.Range(0, steps + 1).Select(i => Shift((double)i / steps, shift))];
    }

    /// <summary>The preview "jump to t = 1": x1_hat = x_t + (1 - t) v (D-AR's streaming previews).</summary>
    public static Tensor JumpToData(Tensor xt, Tensor velocity, Tensor t)
    {
        ArgumentNullException.ThrowIfNull(xt);
        ArgumentNullException.ThrowIfNull(velocity);
        using var scope = NewDisposeScope();
        return (xt + (1 - Broadcast(t, xt)) * velocity).MoveToOuterDisposeScope();
    }

    /// <summary>Per-sample flow-matching loss [B]: mean squared error between predicted and target velocity.</summary>
    public static Tensor Loss(Tensor predictedVelocity, Tensor x0, Tensor x1)
    {
        ArgumentNullException.ThrowIfNull(predictedVelocity);
        using var scope = NewDisposeScope();
        return (predictedVelocity - VelocityTarget(x0, x1)).square().flatten(1).mean([1]).MoveToOuterDisposeScope();
    }

    /// <summary>Times per sample [B] or per leading position (e.g. [B, N] for [B, N, C]: a time per frame) against <paramref name="like"/>.</summary>
    internal static Tensor Broadcast(Tensor t, Tensor like)
    {
        ArgumentNullException.ThrowIfNull(t);
        if (t.dim() < 1 || t.dim() > like.dim() || !t.shape.SequenceEqual(like.shape.Take((int)t.dim())))
            throw new ArgumentException($"Times must be [B={like.shape[0]}] or a leading part of [{string.Join(", ", like.shape)}], got [{string.Join(", ", t.shape)}].", nameof(t));
        long[] shape = [.. t.shape, .. Enumerable.Repeat(1L, (int)(like.dim() - t.dim()))];
        return t.to(like.device).to_type(like.dtype).view(shape);
    }

    static void CheckShift(double shift)
    {
        if (!(shift > 0) || double.IsInfinity(shift)) throw new ArgumentOutOfRangeException(nameof(shift), shift, "The time shift must be a finite number > 0.");
    }
}
