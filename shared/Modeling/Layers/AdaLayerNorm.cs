using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Media.Modeling.Layers;

/// <summary>
/// Vocos's adaptive LayerNorm: a LayerNorm without affine weights whose <c>scale</c> and <c>shift</c> are looked up
/// per condition id (for a codec decoder, the bandwidth). Starts as a plain LayerNorm (scale 1, shift 0). Input
/// <c>[B, T, C]</c>, condition ids <c>[B]</c>.
/// </summary>
public sealed class AdaLayerNorm : nn.Module<Tensor, Tensor, Tensor>
{
    readonly Embedding scale;
    readonly Embedding shift;
    readonly long dim;
    readonly double eps;

    /// <summary>A norm over <paramref name="dim"/> channels with <paramref name="conditions"/> condition ids.</summary>
    public AdaLayerNorm(long conditions, long dim, double eps = 1e-6) : base(nameof(AdaLayerNorm))
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(conditions, 1);
        this.dim = dim;
        this.eps = eps;
        scale = nn.Embedding(conditions, dim);
        shift = nn.Embedding(conditions, dim);
        using (no_grad())
        {
            scale.weight!.fill_(1);
            shift.weight!.zero_();
        }
        RegisterComponents();
    }

    /// <summary>Condition ids this norm holds.</summary>
    public long Conditions => scale.weight!.shape[0];

    /// <inheritdoc />
    public override Tensor forward(Tensor x, Tensor condition)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(condition);
        using var scope = NewDisposeScope();
        var normed = nn.functional.layer_norm(x, [dim], eps: eps);
        // [B] ids to [B, 1, C], broadcast over the frames.
        return (normed * scale.call(condition).unsqueeze(1) + shift.call(condition).unsqueeze(1)).MoveToOuterDisposeScope();
    }
}
