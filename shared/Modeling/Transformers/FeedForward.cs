using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Media.Modeling.Transformers;

/// <summary>SwiGLU feed-forward: <c>w2(silu(w1 x) * w3 x)</c>, hidden width from <see cref="TransformerConfig.FeedForwardHidden"/>.</summary>
public sealed class FeedForward : nn.Module<Tensor, Tensor>
{
    readonly Linear w1;
    readonly Linear w3;
    readonly Linear w2;

    /// <summary>Creates the three projections of <paramref name="config"/>.</summary>
    public FeedForward(TransformerConfig config) : base(nameof(FeedForward))
    {
        ArgumentNullException.ThrowIfNull(config);
        int hidden = config.FeedForwardHidden;
        w1 = nn.Linear(config.Dim, hidden, hasBias: config.FeedForwardBias);
        w3 = nn.Linear(config.Dim, hidden, hasBias: config.FeedForwardBias);
        w2 = nn.Linear(hidden, config.Dim, hasBias: config.FeedForwardBias);
        RegisterComponents();
    }

    /// <inheritdoc/>
    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        return w2.call(nn.functional.silu(w1.call(input)) * w3.call(input)).MoveToOuterDisposeScope();
    }
}
