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
/// Dropout is left out: the models trained here are small and run on short schedules. D-AR's tokenizer blocks are the same
/// block with a SiLU MLP, QK-norm and per-channel layer-scale gates (<c>gate1</c>, <c>gate2</c>, zero at start) on both
/// residual branches (<see cref="VitBlock(long, long, double, bool, bool, bool)"/>), run under a mask and 2D RoPE through <see cref="Run"/>.
/// </summary>
public sealed class VitBlock : nn.Module<Tensor, Tensor>
{
    readonly LayerNorm norm1;
    readonly Attention attn;
    readonly LayerNorm norm2;
    readonly Mlp mlp;
    readonly Parameter? gate1;
    readonly Parameter? gate2;

    /// <summary>timm's attention key names onto the shared module's (the same rows: q, k, v stacked; the output projection).</summary>
    public static KeyRenameTable TimmKeyRenames => DiTBlock.DiTKeyRenames;

    /// <summary>A block of width <paramref name="dim"/>; MLP width mlpRatio x dim (timm: 4).</summary>
    public VitBlock(long dim, long heads, double mlpRatio = 4.0) : this(dim, heads, mlpRatio, false, false, false) { }

    /// <summary>
    /// A block of width <paramref name="dim"/> with, optionally, zero-initialised layer-scale gates on the residual branches
    /// (<paramref name="layerScale"/>), a SiLU MLP (<paramref name="siluMlp"/>) and QK-norm (<paramref name="qkNorm"/>): all three
    /// make D-AR's tokenizer <c>TransformerBlock</c>.
    /// </summary>
    public VitBlock(long dim, long heads, double mlpRatio, bool layerScale, bool siluMlp, bool qkNorm) : base(nameof(VitBlock))
    {
        if (!(mlpRatio > 0)) throw new ArgumentOutOfRangeException(nameof(mlpRatio), mlpRatio, "The MLP ratio must be positive.");
        norm1 = nn.LayerNorm(dim, eps: 1e-6);
        attn = new Attention(dim, heads, bias: true, qkNorm: qkNorm);
        norm2 = nn.LayerNorm(dim, eps: 1e-6);
        mlp = new Mlp(dim, (long)(dim * mlpRatio), tanhGelu: false, silu: siluMlp);
        if (layerScale)
        {
            gate1 = nn.Parameter(zeros(dim));
            gate2 = nn.Parameter(zeros(dim));
        }
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
    public override Tensor forward(Tensor x) => Run(x);

    /// <summary>The block on x [B, N, D] with the self-attention's <paramref name="inputs"/> (RoPE, mask; null: full attention).</summary>
    public Tensor Run(Tensor x, AttentionInputs? inputs = null)
    {
        ArgumentNullException.ThrowIfNull(x);
        using var scope = NewDisposeScope();
        var attended = attn.Attend(norm1.call(x), inputs).Output;
        x = x + (gate1 is null ? attended : attended * gate1);
        var fed = mlp.call(norm2.call(x));
        x = x + (gate2 is null ? fed : fed * gate2);
        return x.MoveToOuterDisposeScope();
    }
}
