using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Media.Modeling.Transformers;

/// <summary>
/// Multi-head attention with one fused <c>wqkv</c> projection (queries for every head, keys and values for
/// the <c>n_kv_head</c> shared heads of grouped-query attention), RoPE on queries and keys, and <c>wo</c>.
/// </summary>
public sealed class Attention : nn.Module<Tensor, AttentionContext, Tensor>
{
    readonly Linear wqkv;
    readonly Linear wo;
    readonly int layerIndex;
    readonly int nHead;
    readonly int nKvHead;
    readonly int headDim;
    readonly int dim;

    /// <summary>The attention of layer <paramref name="layerIndex"/> (its slice of a KV cache).</summary>
    public Attention(TransformerConfig config, int layerIndex) : base(nameof(Attention))
    {
        ArgumentNullException.ThrowIfNull(config);
        this.layerIndex = layerIndex;
        nHead = config.NHead;
        nKvHead = config.NKvHead;
        headDim = config.HeadDim;
        dim = config.Dim;
        wqkv = nn.Linear(dim, (nHead + 2 * nKvHead) * headDim, hasBias: config.AttentionBias);
        wo = nn.Linear(dim, dim, hasBias: config.AttentionBias);
        RegisterComponents();
    }

    /// <inheritdoc/>
    public override Tensor forward(Tensor input1, AttentionContext input2)
    {
        ArgumentNullException.ThrowIfNull(input1);
        ArgumentNullException.ThrowIfNull(input2);
        var (x, ctx) = (input1, input2);
        using var scope = NewDisposeScope();
        long b = x.shape[0], t = x.shape[1], kvDim = nKvHead * headDim;
        var parts = wqkv.call(x).split([dim, kvDim, kvDim], -1);
        var q = parts[0].view(b, t, nHead, headDim).transpose(1, 2);
        var k = parts[1].view(b, t, nKvHead, headDim).transpose(1, 2);
        var v = parts[2].view(b, t, nKvHead, headDim).transpose(1, 2);
        q = ctx.Rope.Apply(q, ctx.Cos, ctx.Sin);
        k = ctx.Rope.Apply(k, ctx.Cos, ctx.Sin);

        if (ctx.Cache is { } cache)
            (k, v) = AppendToCache(cache, ctx, k, v, b);

        if (nKvHead < nHead)
        {
            // Query head h reads kv head h / (n_head / n_kv_head), as LlamaGen's repeat_interleave.
            k = k.repeat_interleave(nHead / nKvHead, dim: 1);
            v = v.repeat_interleave(nHead / nKvHead, dim: 1);
        }
        var o = nn.functional.scaled_dot_product_attention(q, k, v, ctx.Mask, is_casual: ctx.IsCausal);
        return wo.call(o.transpose(1, 2).reshape(b, t, dim)).MoveToOuterDisposeScope();
    }

    /// <summary>Writes this pass's keys and values at each row's cache positions and reads back each row's keys so far.</summary>
    (Tensor K, Tensor V) AppendToCache(KvCache cache, AttentionContext ctx, Tensor k, Tensor v, long rows)
    {
        var (keys, values) = cache.Layer(layerIndex);
        // [slot, :, position] with slot [B,1] and position [B,T] selects a [B, T, n_kv_head, head_dim] block.
        var at = new[] { TensorIndex.Tensor(ctx.SlotIndex!.unsqueeze(1)), TensorIndex.Colon, TensorIndex.Tensor(ctx.WritePositions!) };
        keys.index_put_(k.transpose(1, 2).to(keys.dtype), at);
        values.index_put_(v.transpose(1, 2).to(values.dtype), at);
        if (ctx.FirstSlot is int first)
            return (keys.narrow(0, first, rows).narrow(2, 0, ctx.KeyLength).to(k.dtype),
                    values.narrow(0, first, rows).narrow(2, 0, ctx.KeyLength).to(v.dtype));
        return (keys.narrow(2, 0, ctx.KeyLength).index_select(0, ctx.SlotIndex).to(k.dtype),
                values.narrow(2, 0, ctx.KeyLength).index_select(0, ctx.SlotIndex).to(v.dtype));
    }
}
