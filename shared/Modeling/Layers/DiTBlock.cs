using Media.Modeling.Checkpoints;
using Media.Modeling.Transformers;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Media.Modeling.Layers;

/// <summary>
/// The adaLN-Zero transformer block (DiT, Peebles and Xie): the conditioning c — [B, D] per sample or [B, N, D] per token —
/// goes through SiLU -> Linear(D, 6D) (<c>adaLN_modulation.1</c>) into shift/scale/gate for attention and feed-forward;
/// x += gate_msa * attn(modulate(norm1(x))), x += gate_mlp * mlp(modulate(norm2(x))). Keys: <c>norm1</c>, <c>attn.wqkv</c>,
/// <c>attn.wo</c> (the shared <see cref="Attention"/>), <c>norm2</c>, <c>mlp.*</c>, <c>adaLN_modulation.1</c>;
/// facebookresearch/DiT's <c>attn.qkv</c>/<c>attn.proj</c> load through <see cref="DiTKeyRenames"/>. With cross-attention
/// (D-AR's decoder), <c>cross_attn</c> reads norm1(x) against a context and its output is added to c before the modulation,
/// which then varies per token; D-AR's blocks also pass the context through their own <c>cond_embed</c> MLP and LayerNorm
/// and rotate the cross-attention queries by the 2D RoPE (<see cref="DiTBlockOptions.ContextMlp"/>,
/// <see cref="DiTBlockOptions.RotateCrossAttentionQueries"/>). <see cref="Run"/> adds RoPE, masks and keys and values of
/// earlier positions (ARDiT).
/// </summary>
public sealed class DiTBlock : nn.Module<Tensor, Tensor, Tensor?, Tensor>
{
    readonly nn.Module<Tensor, Tensor> norm1;
    readonly Attention attn;
    readonly nn.Module<Tensor, Tensor> norm2;
    readonly nn.Module<Tensor, Tensor> mlp;
    readonly Sequential adaLN_modulation;
    readonly Attention? cross_attn;
    readonly Sequential? cond_embed;
    readonly bool rotateCrossQueries;

    /// <summary>
    /// Renames facebookresearch/DiT's block keys (timm's <c>attn.qkv</c>, <c>attn.proj</c>) to ours; apply it to a public DiT
    /// checkpoint through <see cref="CheckpointLoadOptions.Renames"/>.
    /// </summary>
    public static KeyRenameTable DiTKeyRenames => new KeyRenameTable()
        .Add(@"(^|\.)attn\.qkv\.", "$1attn.wqkv.")
        .Add(@"(^|\.)attn\.proj\.", "$1attn.wo.");

    /// <summary>DiT's block of width <paramref name="hiddenSize"/>; MLP width is mlpRatio x hidden (DiT: 4).</summary>
    public DiTBlock(long hiddenSize, long heads, double mlpRatio = 4.0, bool crossAttention = false)
        : this(new DiTBlockOptions(hiddenSize, heads) { MlpRatio = mlpRatio, CrossAttention = crossAttention }) { }

    /// <summary>A block shaped by <paramref name="options"/>.</summary>
    public DiTBlock(DiTBlockOptions options) : base(nameof(DiTBlock))
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        long d = options.Dim;
        norm1 = Norm(options);
        attn = new Attention(d, options.Heads, bias: options.AttentionBias, qkNorm: options.QkNorm);
        norm2 = Norm(options);
        mlp = options.SwiGluShape is { } shape ? new FeedForward(shape) : new Mlp(d, (long)(d * options.MlpRatio), silu: options.SiluMlp);
        adaLN_modulation = nn.Sequential(nn.SiLU(), nn.Linear(d, 6 * d));
        if (options.CrossAttention) cross_attn = new Attention(d, options.Heads, bias: options.AttentionBias, qkNorm: options.QkNorm);
        if (options.ContextMlp) cond_embed = nn.Sequential(nn.Linear(d, d), nn.SiLU(), nn.Linear(d, d));
        rotateCrossQueries = options.RotateCrossAttentionQueries;
        RegisterComponents();
    }

    static nn.Module<Tensor, Tensor> Norm(DiTBlockOptions options) => options.RmsNormEps is { } eps
        ? new RmsNorm((int)options.Dim, eps)
        : nn.LayerNorm(options.Dim, eps: 1e-6, elementwise_affine: false);

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

    /// <summary>x [B, N, D], conditioning c [B, D] or [B, N, D], and a context [B, M, D] when the block has cross-attention.</summary>
    public override Tensor forward(Tensor x, Tensor c, Tensor? context)
    {
        using var scope = NewDisposeScope();
        return Run(x, c, context).Output.MoveToOuterDisposeScope();
    }

    /// <summary>
    /// The block on x [B, N, D] with conditioning c, a context for cross-attention, and the self-attention's
    /// <paramref name="inputs"/> (RoPE, mask, past keys and values; null: full attention). Returns the output and this
    /// pass's attention keys and values (for a caller's cache of clean context). <paramref name="contextWeights"/> [B, M]
    /// re-weights the cross-attention to each context position (<see cref="Attention.CrossAttend"/>).
    /// </summary>
    public (Tensor Output, Tensor Keys, Tensor Values) Run(Tensor x, Tensor c, Tensor? context = null, AttentionInputs? inputs = null, Tensor? contextWeights = null)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(c);
        if (cross_attn is not null && context is null)
            throw new ArgumentException("This block has cross-attention and needs a context.", nameof(context));
        if (cross_attn is null && context is not null)
            throw new ArgumentException("This block has no cross-attention; pass no context.", nameof(context));
        using var scope = NewDisposeScope();
        var condition = cross_attn is null ? c : Modulation.Gate(c, x) + cross_attn.CrossAttend(norm1.call(x),
            cond_embed is null ? context! : norm1.call(cond_embed.call(context!)), rotateCrossQueries ? inputs : null, contextWeights);
        var chunks = adaLN_modulation.call(condition).chunk(6, -1);
        Tensor shiftMsa = chunks[0], scaleMsa = chunks[1], gateMsa = chunks[2], shiftMlp = chunks[3], scaleMlp = chunks[4], gateMlp = chunks[5];
        var (attended, keys, values) = attn.Attend(Modulation.Modulate(norm1.call(x), shiftMsa, scaleMsa), inputs);
        x = x + Modulation.Gate(gateMsa, x) * attended;
        x = x + Modulation.Gate(gateMlp, x) * mlp.call(Modulation.Modulate(norm2.call(x), shiftMlp, scaleMlp));
        return (x.MoveToOuterDisposeScope(), keys.MoveToOuterDisposeScope(), values.MoveToOuterDisposeScope());
    }
}
