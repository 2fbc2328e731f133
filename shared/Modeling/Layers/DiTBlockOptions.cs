using Media.Modeling.Transformers;

namespace Media.Modeling.Layers;

/// <summary>
/// The shape of a <see cref="DiTBlock"/>. The defaults are DiT's (Peebles and Xie): LayerNorm without affine parameters
/// (eps 1e-6), attention with biases, timm's GELU MLP of <see cref="MlpRatio"/> x width. ARDiT's blocks use RMSNorm
/// (<see cref="RmsNormEps"/>), bias-free attention and LlamaGen's SwiGLU feed-forward (<see cref="SwiGluShape"/>).
/// </summary>
public sealed record DiTBlockOptions(long Dim, long Heads)
{
    /// <summary>Width of the GELU MLP as a multiple of <see cref="Dim"/> (DiT: 4); unused with <see cref="SwiGluShape"/>.</summary>
    public double MlpRatio { get; init; } = 4.0;

    /// <summary>LlamaGen's SwiGLU feed-forward (<c>w1</c>, <c>w2</c>, <c>w3</c>) of this shape instead of the GELU MLP (<c>fc1</c>, <c>fc2</c>).</summary>
    public TransformerConfig? SwiGluShape { get; init; }

    /// <summary>RMSNorm with a learned weight and this epsilon instead of DiT's LayerNorm without affine parameters.</summary>
    public double? RmsNormEps { get; init; }

    /// <summary>Biases on the attention's <c>wqkv</c> and <c>wo</c>.</summary>
    public bool AttentionBias { get; init; } = true;

    /// <summary>A <c>cross_attn</c> to a context whose output joins the conditioning (D-AR's decoder).</summary>
    public bool CrossAttention { get; init; }

    /// <summary>D-AR's QK-norm (LayerNorm over each head's queries and keys) in the self- and cross-attention.</summary>
    public bool QkNorm { get; init; }

    /// <summary>SiLU instead of GELU in the MLP (D-AR's decoder blocks).</summary>
    public bool SiluMlp { get; init; }

    /// <summary>
    /// D-AR's per-block condition MLP: the context goes through <c>cond_embed</c> (Linear, SiLU, Linear) and the block's
    /// LayerNorm before the cross-attention reads it (needs <see cref="CrossAttention"/>).
    /// </summary>
    public bool ContextMlp { get; init; }

    /// <summary>Rotate the cross-attention's queries by the self-attention's RoPE (D-AR's <c>q_pe</c>; needs <see cref="CrossAttention"/>).</summary>
    public bool RotateCrossAttentionQueries { get; init; }

    /// <summary>Throws for a shape no block can have.</summary>
    public void Validate()
    {
        if (Dim <= 0 || Heads <= 0 || Dim % Heads != 0)
            throw new ArgumentException($"The width {Dim} must be a positive multiple of the head count {Heads}.");
        if (!(MlpRatio > 0)) throw new ArgumentOutOfRangeException(nameof(MlpRatio), MlpRatio, "The MLP ratio must be positive.");
        if (SwiGluShape is { } shape && shape.Dim != Dim)
            throw new ArgumentException($"The feed-forward is {shape.Dim} wide; the block {Dim}.");
        if (RmsNormEps is { } eps && !(eps > 0)) throw new ArgumentOutOfRangeException(nameof(RmsNormEps), eps, "The norm epsilon must be positive.");
        if ((ContextMlp || RotateCrossAttentionQueries) && !CrossAttention)
            throw new ArgumentException("The context MLP and rotated cross-attention queries need cross-attention.");
    }
}
