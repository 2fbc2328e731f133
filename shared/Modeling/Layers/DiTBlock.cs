using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Media.Modeling.Layers;

/// <summary>
/// DiT's block with adaLN-Zero conditioning (Peebles and Xie): the conditioning c [B, D] goes through
/// SiLU -> Linear(D, 6D) (<c>adaLN_modulation.1</c>) into shift/scale/gate for attention and MLP;
/// x += gate_msa * attn(modulate(norm1(x))), x += gate_mlp * mlp(modulate(norm2(x))). Norms have no
/// affine parameters (eps 1e-6). Keys match facebookresearch/DiT: <c>norm1</c>, <c>attn.qkv</c>,
/// <c>attn.proj</c>, <c>norm2</c>, <c>mlp.fc1</c>, <c>mlp.fc2</c>, <c>adaLN_modulation.1</c>.
/// With cross-attention (D-AR's decoder), <c>cross_attn</c> reads norm1(x) against a context and its
/// output is added to c before the modulation, which then varies per token.
/// </summary>
public sealed class DiTBlock : nn.Module<Tensor, Tensor, Tensor?, Tensor>
{
    readonly LayerNorm norm1;
    readonly SelfAttention attn;
    readonly LayerNorm norm2;
    readonly Mlp mlp;
    readonly Sequential adaLN_modulation;
    readonly CrossAttention? cross_attn;

    /// <summary>A block of width <paramref name="hiddenSize"/>; MLP width is mlpRatio x hidden (DiT: 4).</summary>
    public DiTBlock(long hiddenSize, long heads, double mlpRatio = 4.0, bool crossAttention = false) : base(nameof(DiTBlock))
    {
        if (!(mlpRatio > 0)) throw new ArgumentOutOfRangeException(nameof(mlpRatio), mlpRatio, "The MLP ratio must be positive.");
        norm1 = nn.LayerNorm(hiddenSize, eps: 1e-6, elementwise_affine: false);
        attn = new SelfAttention(hiddenSize, heads);
        norm2 = nn.LayerNorm(hiddenSize, eps: 1e-6, elementwise_affine: false);
        mlp = new Mlp(hiddenSize, (long)(hiddenSize * mlpRatio));
        adaLN_modulation = nn.Sequential(nn.SiLU(), nn.Linear(hiddenSize, 6 * hiddenSize));
        if (crossAttention) cross_attn = new CrossAttention(hiddenSize, heads);
        RegisterComponents();
    }

    /// <summary>True when the block attends to a context.</summary>
    public bool HasCrossAttention => cross_attn is not null;

    /// <summary>adaLN-Zero: zero the modulation's Linear, so every gate is 0 and the block starts as the identity (DiT's initialisation).</summary>
    public void ZeroInitializeModulation()
    {
        using var noGrad = no_grad();
        var linear = (Linear)adaLN_modulation[1];
        linear.weight!.zero_();
        linear.bias!.zero_();
    }

    /// <summary>x [B, N, D], conditioning c [B, D], and a context [B, M, D] when the block has cross-attention.</summary>
    public override Tensor forward(Tensor x, Tensor c, Tensor? context)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(c);
        if (cross_attn is not null && context is null)
            throw new ArgumentException("This block has cross-attention and needs a context.", nameof(context));
        if (cross_attn is null && context is not null)
            throw new ArgumentException("This block has no cross-attention; pass no context.", nameof(context));
        using var scope = NewDisposeScope();
        var condition = cross_attn is null ? c : Modulation.Gate(c, x) + cross_attn.call(norm1.call(x), context!);
        var chunks = adaLN_modulation.call(condition).chunk(6, -1);
        Tensor shiftMsa = chunks[0], scaleMsa = chunks[1], gateMsa = chunks[2], shiftMlp = chunks[3], scaleMlp = chunks[4], gateMlp = chunks[5];
        x = x + Modulation.Gate(gateMsa, x) * attn.call(Modulation.Modulate(norm1.call(x), shiftMsa, scaleMsa));
        x = x + Modulation.Gate(gateMlp, x) * mlp.call(Modulation.Modulate(norm2.call(x), shiftMlp, scaleMlp));
        return x.MoveToOuterDisposeScope();
    }
}
