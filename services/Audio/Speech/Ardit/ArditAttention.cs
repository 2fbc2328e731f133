using TorchSharp;
using TorchSharp.Modules;
using Media.Modeling.Transformers;
using static TorchSharp.torch;

namespace Media.Services.Audio.Speech.Ardit;

/// <summary>
/// Multi-head self-attention with a fused <c>wqkv</c>, RoPE and <c>wo</c>. Keys and values of earlier clean
/// context (from <see cref="ArditContextCache"/>) are prepended, so one noisy or clean block is attended
/// against everything before it without recomputing it.
/// </summary>
public sealed class ArditAttention : nn.Module<Tensor, Tensor>
{
    readonly Linear wqkv;
    readonly Linear wo;
    readonly int nHead;
    readonly int headDim;
    readonly int dim;

    /// <summary>Attention of width <paramref name="dim"/> with <paramref name="nHead"/> heads.</summary>
    public ArditAttention(int dim, int nHead) : base(nameof(ArditAttention))
    {
        this.dim = dim;
        this.nHead = nHead;
        headDim = dim / nHead;
        wqkv = nn.Linear(dim, 3 * dim, hasBias: false);
        wo = nn.Linear(dim, dim, hasBias: false);
        RegisterComponents();
    }

    /// <summary>Plain forward without RoPE or mask (the module contract; ARDiT calls <see cref="Attend"/>).</summary>
    public override Tensor forward(Tensor input) => Attend(input, null, null, null, null, null).Output;

    /// <summary>
    /// Attends <paramref name="x"/> [B, T, D] (rotated by cos/sin [B, 1, T, hd]) to <c>[past keys | own keys]</c> under
    /// <paramref name="mask"/> (bool [B, 1, T, past + T], null = all). Returns the output and this pass's rotated keys and values.
    /// </summary>
    public (Tensor Output, Tensor Keys, Tensor Values) Attend(Tensor x, RotaryEmbedding? rope, Tensor? cos, Tensor? sin, Tensor? mask, (Tensor Keys, Tensor Values)? past)
    {
        ArgumentNullException.ThrowIfNull(x);
        using var scope = NewDisposeScope();
        long b = x.shape[0], t = x.shape[1];
        var parts = wqkv.call(x).split([dim, dim, dim], -1);
        var q = parts[0].view(b, t, nHead, headDim).transpose(1, 2);
        var k = parts[1].view(b, t, nHead, headDim).transpose(1, 2);
        var v = parts[2].view(b, t, nHead, headDim).transpose(1, 2);
        if (rope is not null && cos is not null && sin is not null)
        {
            q = rope.Apply(q, cos, sin);
            k = rope.Apply(k, cos, sin);
        }
        var (allK, allV) = past is { } p ? (cat([p.Keys, k], 2), cat([p.Values, v], 2)) : (k, v);
        var o = nn.functional.scaled_dot_product_attention(q, allK, allV, mask);
        var output = wo.call(o.transpose(1, 2).reshape(b, t, dim));
        return (output.MoveToOuterDisposeScope(), k.MoveToOuterDisposeScope(), v.MoveToOuterDisposeScope());
    }
}
