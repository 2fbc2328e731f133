using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Media.Modeling.Transformers;

/// <summary>
/// The one multi-head attention of the toolkit: a fused <c>wqkv</c> projection (queries for every head, keys and values
/// for the <c>n_kv_head</c> shared heads of grouped-query attention), optional RoPE on queries and keys, libtorch's
/// scaled dot-product attention and <c>wo</c>. It serves LlamaGen's decoder with its KV cache (<see cref="forward"/>),
/// DiT-style blocks and ARDiT (<see cref="Attend"/>: masks, keys and values of earlier positions passed in, this pass's
/// keys and values handed back) and cross-attention to a context (<see cref="CrossAttend"/>, the same <c>wqkv</c> rows:
/// queries from the tokens, keys and values from the context; <see cref="ContextKeysValues"/> and
/// <see cref="AttendToContext"/> split it so an encoder memory is projected once and attended at every decode step). Public checkpoints with other names (timm's
/// <c>qkv</c>/<c>proj</c>) load through <see cref="Checkpoints.KeyRenameTable"/> rules such as those of
/// <see cref="Layers.DiTBlock.DiTKeyRenames"/>.
/// </summary>
public sealed class Attention : nn.Module<Tensor, AttentionContext, Tensor>
{
    readonly Linear wqkv;
    readonly Linear wo;
    readonly LayerNorm? q_norm;
    readonly LayerNorm? k_norm;
    readonly int layerIndex;
    readonly int nHead;
    readonly int nKvHead;
    readonly int headDim;
    readonly int dim;

    /// <summary>The attention of decoder layer <paramref name="layerIndex"/> (its slice of a KV cache).</summary>
    public Attention(TransformerConfig config, int layerIndex)
        : this((config ?? throw new ArgumentNullException(nameof(config))).Dim, config.NHead, config.NKvHead, config.AttentionBias, layerIndex) { }

    /// <summary>
    /// Attention over <paramref name="dim"/> features in <paramref name="heads"/> heads, with <paramref name="kvHeads"/> key/value
    /// heads (grouped-query attention; null: as many as query heads) and biases on both projections when <paramref name="bias"/>.
    /// <paramref name="qkNorm"/> adds D-AR's QK-norm: an affine LayerNorm (eps 1e-6) over each head's queries and keys
    /// (<c>q_norm</c>, <c>k_norm</c>) before RoPE, which keeps attention logits bounded in the tokenizer's transformers.
    /// </summary>
    public Attention(long dim, long heads, long? kvHeads = null, bool bias = false, int layerIndex = 0, bool qkNorm = false) : base(nameof(Attention))
    {
        long kv = kvHeads ?? heads;
        if (heads <= 0 || dim <= 0 || dim % heads != 0)
            throw new ArgumentException($"The width {dim} must be a positive multiple of the head count {heads}.", nameof(heads));
        if (kv <= 0 || heads % kv != 0)
            throw new ArgumentException($"The key/value heads ({kv}) must divide the query heads ({heads}).", nameof(kvHeads));
        this.layerIndex = layerIndex;
        this.dim = (int)dim;
        nHead = (int)heads;
        nKvHead = (int)kv;
        headDim = (int)(dim / heads);
        wqkv = nn.Linear(dim, (nHead + 2 * nKvHead) * headDim, hasBias: bias);
        wo = nn.Linear(dim, dim, hasBias: bias);
        if (qkNorm)
        {
            q_norm = nn.LayerNorm(headDim, eps: 1e-6);
            k_norm = nn.LayerNorm(headDim, eps: 1e-6);
        }
        RegisterComponents();
    }

    /// <summary>Number of query heads.</summary>
    public int Heads => nHead;

    /// <summary>A decoder pass: RoPE and mask from <paramref name="input2"/>, keys and values written to and read from its KV cache when it has one.</summary>
    public override Tensor forward(Tensor input1, AttentionContext input2)
    {
        ArgumentNullException.ThrowIfNull(input1);
        ArgumentNullException.ThrowIfNull(input2);
        var (x, ctx) = (input1, input2);
        using var scope = NewDisposeScope();
        if (ctx.Segments is { } segments) return FusedSegments(x, segments).MoveToOuterDisposeScope();
        var (q, k, v) = Project(x, ctx.Rope, ctx.Cos, ctx.Sin);
        if (ctx.Cache is { } cache)
            (k, v) = AppendToCache(cache, ctx, k, v, x.shape[0]);
        return Output(q, k, v, ctx.Mask, ctx.IsCausal).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// A fused cached pass: one <c>wqkv</c> and one <c>wo</c> product over every position of <paramref name="x"/> [1, N, D],
    /// attention per segment (its rows, its slots, its mask).
    /// </summary>
    Tensor FusedSegments(Tensor x, IReadOnlyList<AttentionContext> segments)
    {
        var qkv = wqkv.call(x);
        var mixed = new Tensor[segments.Count];
        long offset = 0;
        for (int i = 0; i < segments.Count; i++)
        {
            var seg = segments[i];
            long b = seg.WritePositions!.shape[0], t = seg.WritePositions.shape[1];
            var (q, k, v) = SplitHeads(qkv.narrow(1, offset, b * t).view(b, t, -1), seg.Rope, seg.Cos, seg.Sin);
            (k, v) = AppendToCache(seg.Cache!, seg, k, v, b);
            mixed[i] = Mix(q, k, v, seg.Mask, seg.IsCausal).reshape(1, b * t, dim);
            offset += b * t;
        }
        return wo.call(cat(mixed, 1));
    }

    /// <summary>
    /// Attends <paramref name="x"/> [B, T, D] to <c>[past keys | own keys]</c> under the mask of <paramref name="inputs"/>
    /// (null: full attention among the tokens). Returns the output [B, T, D] and this pass's rotated keys and values
    /// [B, n_kv_head, T, head_dim], which a caller may keep as the past of later passes.
    /// </summary>
    public (Tensor Output, Tensor Keys, Tensor Values) Attend(Tensor x, AttentionInputs? inputs = null)
    {
        ArgumentNullException.ThrowIfNull(x);
        inputs ??= AttentionInputs.None;
        if ((inputs.PastKeys is null) != (inputs.PastValues is null))
            throw new ArgumentException("Give past keys and past values together.", nameof(inputs));
        if (inputs.CacheWrite is not null && inputs.PastKeys is not null)
            throw new ArgumentException("Give past keys or a cache to write, not both.", nameof(inputs));
        using var scope = NewDisposeScope();
        var (q, k, v) = Project(x, inputs.Rope, inputs.Cos, inputs.Sin);
        if (inputs.CacheWrite is { ViewRows: int viewRows } split)
            return (wo.call(MixSplit(q, k, v, split, inputs.CacheLayer, viewRows, inputs.Mask, inputs.IsCausal)).MoveToOuterDisposeScope(), k.MoveToOuterDisposeScope(), v.MoveToOuterDisposeScope());
        var (allK, allV) = inputs.CacheWrite is { } write
            ? AppendToCache(write.Cache, inputs.CacheLayer, write.FirstSlot, write.CommonStart, write.SlotIndex, write.WritePositions, write.KeyLength, k, v, x.shape[0])
            : inputs.PastKeys is { } pastKeys ? (cat([pastKeys, k], 2), cat([inputs.PastValues!, v], 2)) : (k, v);
        var output = Output(q, allK, allV, inputs.Mask, inputs.IsCausal);
        return (output.MoveToOuterDisposeScope(), k.MoveToOuterDisposeScope(), v.MoveToOuterDisposeScope());
    }

    /// <summary>
    /// Each token of <paramref name="x"/> [B, N, D] attends to the whole <paramref name="context"/> [B, M, D] (no mask). With
    /// <paramref name="queryRotation"/> the queries (only) are rotated by its RoPE, as D-AR's decoder rotates the pixel tokens'
    /// queries by their 2D positions while the condition tokens stay unrotated.
    /// </summary>
    /// <remarks>
    /// <paramref name="contextWeights"/> [B, M] scales each context position's attention probabilities after the softmax, without
    /// renormalising (Prompt-to-Prompt's re-weighting, which MagicMix uses to strengthen or weaken a word of the prompt); null
    /// leaves attention as it is.
    /// </remarks>
    public Tensor CrossAttend(Tensor x, Tensor context, AttentionInputs? queryRotation = null, Tensor? contextWeights = null)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(context);
        if (context.dim() != 3 || context.shape[0] != x.shape[0] || context.shape[2] != x.shape[2])
            throw new ArgumentException($"The context must be [B={x.shape[0]}, M, D={x.shape[2]}], got [{string.Join(", ", context.shape)}].", nameof(context));
        using var scope = NewDisposeScope();
        long b = x.shape[0], n = x.shape[1], m = context.shape[1];
        var (keys, values) = ContextKeysValues(context);
        var queries = ContextQueries(x);
        if (queryRotation?.Rope is { } rope)
        {
            if (queryRotation.Cos is null || queryRotation.Sin is null) throw new ArgumentException("RoPE needs the cos and sin of the positions.", nameof(queryRotation));
            queries = rope.Apply(queries, queryRotation.Cos, queryRotation.Sin);
        }
        if (contextWeights is null) return Output(queries, keys, values, null, false).MoveToOuterDisposeScope();
        if (contextWeights.dim() != 2 || contextWeights.shape[0] != b || contextWeights.shape[1] != m)
            throw new ArgumentException($"Context weights must be [B={b}, M={m}], got [{string.Join(", ", contextWeights.shape)}].", nameof(contextWeights));
        if (nKvHead < nHead)
        {
            keys = keys.repeat_interleave(nHead / nKvHead, dim: 1);
            values = values.repeat_interleave(nHead / nKvHead, dim: 1);
        }
        var probabilities = (queries.matmul(keys.transpose(-2, -1)) / Math.Sqrt(headDim)).softmax(-1)
            * contextWeights.to(queries.dtype).view(b, 1, 1, m);
        return wo.call(probabilities.matmul(values).transpose(1, 2).reshape(b, n, dim)).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// The keys and values [B, n_kv_head, M, head_dim] of a context [B, M, D] (the key/value rows of <c>wqkv</c>): an
    /// encoder memory is projected once per request and attended by every later step (<see cref="AttendToContext"/>).
    /// </summary>
    public (Tensor Keys, Tensor Values) ContextKeysValues(Tensor context)
    {
        ArgumentNullException.ThrowIfNull(context);
        using var scope = NewDisposeScope();
        long b = context.shape[0], m = context.shape[1], kvDim = nKvHead * headDim;
        var weight = wqkv.weight!;
        var bias = wqkv.bias;
        var kv = nn.functional.linear(context, weight.narrow(0, dim, 2 * kvDim), bias?.narrow(0, dim, 2 * kvDim)).split([kvDim, kvDim], -1);
        var keys = kv[0].view(b, m, nKvHead, headDim).transpose(1, 2);
        var values = kv[1].view(b, m, nKvHead, headDim).transpose(1, 2);
        if (k_norm is not null) keys = k_norm.call(keys);
        return (keys.MoveToOuterDisposeScope(), values.MoveToOuterDisposeScope());
    }

    /// <summary>
    /// Each token of <paramref name="x"/> [B, N, D] attends to context keys and values from <see cref="ContextKeysValues"/>
    /// under <paramref name="mask"/> (boolean [B, 1, 1 or N, M], true = attend; null: every context position). No RoPE:
    /// context positions are not in the tokens' time.
    /// </summary>
    public Tensor AttendToContext(Tensor x, Tensor keys, Tensor values, Tensor? mask = null)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(keys);
        ArgumentNullException.ThrowIfNull(values);
        using var scope = NewDisposeScope();
        return Output(ContextQueries(x), keys, values, mask, false).MoveToOuterDisposeScope();
    }

    /// <summary>A cached pass's cross-attention: each row reads the context keys and values its slot holds in the cache.</summary>
    internal Tensor AttendToCachedContext(Tensor x, KvCache cache, AttentionContext ctx)
    {
        using var scope = NewDisposeScope();
        var (keys, values) = cache.MemoryLayer(layerIndex);
        long m = ctx.MemoryReadLength, rows = x.shape[0];
        var (k, v) = ctx.FirstSlot is int first
            ? (keys.narrow(0, first, rows).narrow(2, 0, m), values.narrow(0, first, rows).narrow(2, 0, m))
            : (keys.narrow(2, 0, m).index_select(0, ctx.SlotIndex!), values.narrow(2, 0, m).index_select(0, ctx.SlotIndex!));
        return Output(ContextQueries(x), k.to(x.dtype), v.to(x.dtype), ctx.MemoryMask, false).MoveToOuterDisposeScope();
    }

    /// <summary>Queries [B, heads, N, head_dim] from the query rows of <c>wqkv</c> (QK-norm applied, no rotation).</summary>
    Tensor ContextQueries(Tensor x)
    {
        long b = x.shape[0], n = x.shape[1];
        var q = nn.functional.linear(x, wqkv.weight!.narrow(0, 0, dim), wqkv.bias?.narrow(0, 0, dim)).view(b, n, nHead, headDim).transpose(1, 2);
        return q_norm is not null ? q_norm.call(q) : q;
    }

    /// <summary>Queries, keys and values [B, heads, T, head_dim] of the tokens, rotated when a RoPE is given.</summary>
    (Tensor Q, Tensor K, Tensor V) Project(Tensor x, RotaryEmbedding? rope, Tensor? cos, Tensor? sin)
    {
        return SplitHeads(wqkv.call(x), rope, cos, sin);
    }

    /// <summary>Splits a <c>wqkv</c> output [B, T, (heads + 2 kv heads) * head_dim] into rotated heads.</summary>
    (Tensor Q, Tensor K, Tensor V) SplitHeads(Tensor qkv, RotaryEmbedding? rope, Tensor? cos, Tensor? sin)
    {
        long b = qkv.shape[0], t = qkv.shape[1];
        if (rope is not null && (cos is null || sin is null)) throw new ArgumentException("RoPE needs the cos and sin of the positions.");
        var heads = qkv.view(b, t, nHead + 2 * nKvHead, headDim).transpose(1, 2);
        var v = heads.narrow(1, nHead + nKvHead, nKvHead);
        if (rope is not null && q_norm is null)
        {
            // Queries and keys rotate in one pass: a cached decode step rotates in every layer, and each tensor operation
            // costs microseconds there.
            var qk = rope.Apply(heads.narrow(1, 0, nHead + nKvHead), cos!, sin!);
            return (qk.narrow(1, 0, nHead), qk.narrow(1, nHead, nKvHead), v);
        }
        var q = heads.narrow(1, 0, nHead);
        var k = heads.narrow(1, nHead, nKvHead);
        if (q_norm is not null) (q, k) = (q_norm.call(q), k_norm!.call(k));
        if (rope is not null) (q, k) = (rope.Apply(q, cos!, sin!), rope.Apply(k, cos!, sin!));
        return (q, k, v);
    }

    /// <summary>Scaled dot-product attention of the queries to the keys (shared kv heads repeated per query group), then <c>wo</c>.</summary>
    Tensor Output(Tensor q, Tensor k, Tensor v, Tensor? mask, bool isCausal) => wo.call(Mix(q, k, v, mask, isCausal));

    /// <summary>Scaled dot-product attention of the queries to the keys, heads merged back: [B, T, D] before <c>wo</c>.</summary>
    Tensor Mix(Tensor q, Tensor k, Tensor v, Tensor? mask, bool isCausal)
    {
        if (nKvHead < nHead)
        {
            // Query head h reads kv head h / (n_head / n_kv_head), as LlamaGen's repeat_interleave.
            k = k.repeat_interleave(nHead / nKvHead, dim: 1);
            v = v.repeat_interleave(nHead / nKvHead, dim: 1);
        }
        long b = q.shape[0], t = q.shape[2];
        var o = nn.functional.scaled_dot_product_attention(q, k, v, mask, is_casual: isCausal);
        return o.transpose(1, 2).reshape(b, t, dim);
    }

    /// <summary>
    /// A cache write whose leading <paramref name="viewRows"/> rows read consecutive slots: every row's keys and values are
    /// written first (so a row sees what another row of its slot wrote in this pass), then the leading rows attend to a view
    /// of their slots and the rest to a gather of theirs. [B, T, D] before <c>wo</c>.
    /// </summary>
    Tensor MixSplit(Tensor q, Tensor k, Tensor v, KvCacheWrite write, int layer, int viewRows, Tensor? mask, bool isCausal)
    {
        var (keys, values) = write.Cache.Layer(layer);
        WriteByIndex(keys, values, write.SlotIndex!, write.WritePositions!, k, v);
        long rows = q.shape[0], rest = rows - viewRows, length = write.KeyLength;
        Tensor Read(Tensor cache, bool view) => (view ? cache.narrow(0, write.ViewSlot, viewRows).narrow(2, 0, length)
            : cache.narrow(2, 0, length).index_select(0, write.GatheredSlotIndex!)).to(k.dtype);
        Tensor? Rows(Tensor? m, long start, long count) => m is null || m.shape[0] == 1 ? m : m.narrow(0, start, count);
        return cat([Mix(q.narrow(0, 0, viewRows), Read(keys, true), Read(values, true), Rows(mask, 0, viewRows), isCausal),
                    Mix(q.narrow(0, viewRows, rest), Read(keys, false), Read(values, false), Rows(mask, viewRows, rest), isCausal)], 0);
    }

    /// <summary>Writes this pass's keys and values at each row's cache positions and reads back each row's keys so far.</summary>
    (Tensor K, Tensor V) AppendToCache(KvCache cache, AttentionContext ctx, Tensor k, Tensor v, long rows) =>
        AppendToCache(cache, layerIndex, ctx.FirstSlot, ctx.CommonStart, ctx.SlotIndex, ctx.WritePositions, ctx.KeyLength, k, v, rows);

    /// <summary>Writes row r's keys and values [B, n_kv_head, T, head_dim] at slot <paramref name="slotIndex"/>[r], positions <paramref name="writePositions"/>[r].</summary>
    static void WriteByIndex(Tensor keys, Tensor values, Tensor slotIndex, Tensor writePositions, Tensor k, Tensor v)
    {
        // [slot, :, position] with slot [B,1] and position [B,T] selects a [B, T, n_kv_head, head_dim] block.
        var at = new[] { TensorIndex.Tensor(slotIndex.unsqueeze(1)), TensorIndex.Colon, TensorIndex.Tensor(writePositions) };
        keys.index_put_(k.transpose(1, 2).to(keys.dtype), at);
        values.index_put_(v.transpose(1, 2).to(values.dtype), at);
    }

    static (Tensor K, Tensor V) AppendToCache(KvCache cache, int layer, int? firstSlot, int? commonStart, Tensor? slotIndex, Tensor? writePositions, long keyLength, Tensor k, Tensor v, long rows)
    {
        var (keys, values) = cache.Layer(layer);
        if (firstSlot is int slot && commonStart is int start)
        {
            // Consecutive slots at one length: the new positions are one block of the cache, written as a slice.
            long t = k.shape[2];
            keys.narrow(0, slot, rows).narrow(2, start, t).copy_(k);
            values.narrow(0, slot, rows).narrow(2, start, t).copy_(v);
        }
        else WriteByIndex(keys, values, slotIndex!, writePositions!, k, v);
        var (readKeys, readValues) = firstSlot is int first
            ? (keys.narrow(0, first, rows).narrow(2, 0, keyLength), values.narrow(0, first, rows).narrow(2, 0, keyLength))
            : (keys.narrow(2, 0, keyLength).index_select(0, slotIndex!), values.narrow(2, 0, keyLength).index_select(0, slotIndex!));
        // A cache in the pass's own dtype (the usual case) is read as it is, without a no-op conversion per layer.
        return readKeys.dtype == k.dtype ? (readKeys, readValues) : (readKeys.to(k.dtype), readValues.to(v.dtype));
    }
}
