using TorchSharp;
using static TorchSharp.torch;

namespace Media.Modeling.Transformers;

/// <summary>
/// Pre-norm decoder block: <c>h = x + attention(attention_norm(x))</c>, with <see cref="TransformerConfig.CrossAttention"/>
/// <c>h = h + cross_attention(cross_attention_norm(h), memory)</c>, then <c>out = h + feed_forward(ffn_norm(h))</c>.
/// </summary>
public sealed class TransformerBlock : nn.Module<Tensor, AttentionContext, Tensor>
{
    readonly Attention attention;
    readonly FeedForward feed_forward;
    readonly RmsNorm attention_norm;
    readonly RmsNorm ffn_norm;
    readonly Attention? cross_attention;
    readonly RmsNorm? cross_attention_norm;

    /// <summary>Block <paramref name="layerIndex"/> of a decoder shaped by <paramref name="config"/>.</summary>
    public TransformerBlock(TransformerConfig config, int layerIndex) : base(nameof(TransformerBlock))
    {
        ArgumentNullException.ThrowIfNull(config);
        attention = new Attention(config, layerIndex);
        feed_forward = new FeedForward(config);
        attention_norm = new RmsNorm(config.Dim, config.NormEps);
        ffn_norm = new RmsNorm(config.Dim, config.NormEps);
        if (config.CrossAttention)
        {
            cross_attention = new Attention(config, layerIndex);
            cross_attention_norm = new RmsNorm(config.Dim, config.NormEps);
        }
        RegisterComponents();
    }

    /// <inheritdoc/>
    public override Tensor forward(Tensor input1, AttentionContext input2)
    {
        using var scope = NewDisposeScope();
        var h = input1 + attention.call(attention_norm.call(input1), input2);
        if (cross_attention is not null) h = h + CrossAttend(cross_attention_norm!.call(h), input2);
        return (h + feed_forward.call(ffn_norm.call(h))).MoveToOuterDisposeScope();
    }

    /// <summary>The memory keys and values of this block's cross-attention, to be written to a cache once per request.</summary>
    internal (Tensor Keys, Tensor Values) MemoryKeysValues(Tensor states) =>
        (cross_attention ?? throw new InvalidOperationException("This block has no cross-attention.")).ContextKeysValues(states);

    /// <summary>
    /// Cross-attention of <paramref name="x"/> to the pass's memory: the full pass's states, or each cached row's memory in
    /// the cache (a fused pass: per segment, as its rows and times lie along the fused input).
    /// </summary>
    Tensor CrossAttend(Tensor x, AttentionContext ctx)
    {
        var attention = cross_attention!;
        if (ctx.Segments is { } segments)
        {
            var parts = new Tensor[segments.Count];
            long offset = 0;
            for (int i = 0; i < segments.Count; i++)
            {
                var seg = segments[i];
                long b = seg.WritePositions!.shape[0], t = seg.WritePositions.shape[1];
                parts[i] = attention.AttendToCachedContext(x.narrow(1, offset, b * t).view(b, t, -1), seg.Cache!, seg).reshape(1, b * t, -1);
                offset += b * t;
            }
            return cat(parts, 1);
        }
        if (ctx.Cache is { } cache) return attention.AttendToCachedContext(x, cache, ctx);
        var memory = ctx.Memory ?? throw new ArgumentException("This decoder cross-attends: give it an encoder memory.");
        var (keys, values) = attention.ContextKeysValues(memory.States);
        return attention.AttendToContext(x, keys, values, ctx.MemoryMask);
    }
}
