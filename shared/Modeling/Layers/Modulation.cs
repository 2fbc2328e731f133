using static TorchSharp.torch;

namespace Media.Modeling.Layers;

/// <summary>adaLN modulation: the conditioning shifts and scales normalised activations.</summary>
public static class Modulation
{
    /// <summary>
    /// x * (1 + scale) + shift. <paramref name="x"/> is [B, N, D]; shift and scale are [B, D] (one per sample,
    /// DiT) or [B, N, D] (one per token, D-AR's cross-attention-driven modulation). For [B, D] inputs all three
    /// are [B, D] (MAR's per-token MLP).
    /// </summary>
    public static Tensor Modulate(Tensor x, Tensor shift, Tensor scale)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(shift);
        ArgumentNullException.ThrowIfNull(scale);
        using var scope = NewDisposeScope();
        if (x.dim() == 3 && shift.dim() == 2)
        {
            shift = shift.unsqueeze(1);
            scale = scale.unsqueeze(1);
        }
        return (x * (1 + scale) + shift).MoveToOuterDisposeScope();
    }

    /// <summary>Broadcasts a [B, D] gate over the tokens of [B, N, D] (a [B, N, D] gate passes through).</summary>
    public static Tensor Gate(Tensor gate, Tensor like)
    {
        ArgumentNullException.ThrowIfNull(gate);
        ArgumentNullException.ThrowIfNull(like);
        return like.dim() == 3 && gate.dim() == 2 ? gate.unsqueeze(1) : gate.alias();
    }
}
