using Media.Modeling.Checkpoints;
using Media.Modeling.Transformers;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Media.Modeling.Layers;

/// <summary>
/// timm's pre-norm ViT <c>Block</c> as MAE and MAR use it: x += attn(norm1(x)); x += mlp(norm2(x)), with
/// affine LayerNorms (eps 1e-6), the toolkit's one <see cref="Attention"/> (bidirectional, projections with bias) and
/// an MLP with the exact GELU. Keys: <c>norm1</c>, <c>attn.wqkv</c>, <c>attn.wo</c>, <c>norm2</c>, <c>mlp.fc1</c>, <c>mlp.fc2</c>;
/// timm's <c>attn.qkv</c>/<c>attn.proj</c> load through <see cref="TimmKeyRenames"/>.
/// Dropout is left out: the models trained here are small and run on short schedules.
/// </summary>
public sealed class VitBlock : nn.Module<Tensor, Tensor>
{
    readonly LayerNorm norm1;
    readonly Attention attn;
    readonly LayerNorm norm2;
    readonly Mlp mlp;

    /// <summary>timm's attention key names onto the shared module's (the same rows: q, k, v stacked; the output projection).</summary>
    public static KeyRenameTable TimmKeyRenames => DiTBlock.DiTKeyRenames;

    /// <summary>A block of width <paramref name="dim"/>; MLP width mlpRatio x dim (timm: 4).</summary>
    public VitBlock(long dim, long heads, double mlpRatio = 4.0) : base(nameof(VitBlock))
    {
        if (!(mlpRatio > 0)) throw new ArgumentOutOfRangeException(nameof(mlpRatio), mlpRatio, "The MLP ratio must be positive.");
        norm1 = nn.LayerNorm(dim, eps: 1e-6);
        attn = new Attention(dim, heads, bias: true);
        norm2 = nn.LayerNorm(dim, eps: 1e-6);
        mlp = new Mlp(dim, (long)(dim * mlpRatio), tanhGelu: false);
        // PyTorch's LayerNorm starts as the identity map; set it explicitly rather than trust the binding.
        using (no_grad())
            foreach (var norm in new[] { norm1, norm2 })
            {
                norm.weight!.fill_(1);
                norm.bias!.zero_();
            }
        RegisterComponents();
    }

    /// <inheritdoc />
    public override Tensor forward(Tensor x)
    {
        ArgumentNullException.ThrowIfNull(x);
        using var scope = NewDisposeScope();
        x = x + attn.Attend(norm1.call(x)).Output;
        x = x + mlp.call(norm2.call(x));
        return x.MoveToOuterDisposeScope();
    }
}
