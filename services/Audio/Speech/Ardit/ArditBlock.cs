using TorchSharp;
using TorchSharp.Modules;
using Media.Modeling.Layers;
using Media.Modeling.Transformers;
using static TorchSharp.torch;

namespace Media.Services.Audio.Speech.Ardit;

/// <summary>
/// A DiT block with per-token adaLN: every position carries a conditioning vector (its kind, plus the flow time
/// for noisy frames) that shifts, scales and gates the pre-norm attention and feed-forward branches
/// (<c>adaLN_modulation</c> = SiLU -> Linear(D, 6D), zero-initialised so each block starts as the identity).
/// </summary>
public sealed class ArditBlock : nn.Module<Tensor, Tensor>
{
    readonly RmsNorm attention_norm;
    readonly ArditAttention attention;
    readonly RmsNorm ffn_norm;
    readonly FeedForward feed_forward;
    readonly Sequential adaLN_modulation;

    /// <summary>Block of the model shaped by <paramref name="config"/>.</summary>
    public ArditBlock(ArditConfig config) : base(nameof(ArditBlock))
    {
        ArgumentNullException.ThrowIfNull(config);
        attention_norm = new RmsNorm(config.Dim, config.NormEps);
        attention = new ArditAttention(config.Dim, config.NHead);
        ffn_norm = new RmsNorm(config.Dim, config.NormEps);
        feed_forward = new FeedForward(config.FeedForwardShape);
        var projection = nn.Linear(config.Dim, 6L * config.Dim);
        using (no_grad())
        {
            projection.weight!.zero_();
            projection.bias!.zero_();
        }
        adaLN_modulation = nn.Sequential(nn.SiLU(), projection);
        RegisterComponents();
    }

    /// <summary>Unconditioned, unmasked forward (module contract); ARDiT calls <see cref="Run"/>.</summary>
    public override Tensor forward(Tensor input) => Run(input, zeros_like(input), null, null, null, null, null).Output;

    /// <summary>
    /// x [B, T, D] with per-token conditioning c [B, T, D]; see <see cref="ArditAttention.Attend"/> for the rest.
    /// Returns the block output and the attention keys and values of this pass (for the clean-context cache).
    /// </summary>
    public (Tensor Output, Tensor Keys, Tensor Values) Run(Tensor x, Tensor c, RotaryEmbedding? rope, Tensor? cos, Tensor? sin, Tensor? mask, (Tensor Keys, Tensor Values)? past)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(c);
        using var scope = NewDisposeScope();
        var m = adaLN_modulation.call(c).chunk(6, -1);
        var (a, k, v) = attention.Attend(Modulation.Modulate(attention_norm.call(x), m[0], m[1]), rope, cos, sin, mask, past);
        var h = x + m[2] * a;
        var output = h + m[5] * feed_forward.call(Modulation.Modulate(ffn_norm.call(h), m[3], m[4]));
        return (output.MoveToOuterDisposeScope(), k.MoveToOuterDisposeScope(), v.MoveToOuterDisposeScope());
    }
}
