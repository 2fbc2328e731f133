using TorchSharp;
using static TorchSharp.torch;

namespace Media.Modeling.Transformers;

/// <summary>Pre-norm decoder block: <c>h = x + attention(attention_norm(x))</c>, <c>out = h + feed_forward(ffn_norm(h))</c>.</summary>
public sealed class TransformerBlock : nn.Module<Tensor, AttentionContext, Tensor>
{
    readonly Attention attention;
    readonly FeedForward feed_forward;
    readonly RmsNorm attention_norm;
    readonly RmsNorm ffn_norm;

    /// <summary>Block <paramref name="layerIndex"/> of a decoder shaped by <paramref name="config"/>.</summary>
    public TransformerBlock(TransformerConfig config, int layerIndex) : base(nameof(TransformerBlock))
    {
        ArgumentNullException.ThrowIfNull(config);
        attention = new Attention(config, layerIndex);
        feed_forward = new FeedForward(config);
        attention_norm = new RmsNorm(config.Dim, config.NormEps);
        ffn_norm = new RmsNorm(config.Dim, config.NormEps);
        RegisterComponents();
    }

    /// <inheritdoc/>
    public override Tensor forward(Tensor input1, AttentionContext input2)
    {
        using var scope = NewDisposeScope();
        var h = input1 + attention.call(attention_norm.call(input1), input2);
        return (h + feed_forward.call(ffn_norm.call(h))).MoveToOuterDisposeScope();
    }
}
