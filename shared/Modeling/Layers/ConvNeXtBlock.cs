using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Media.Modeling.Layers;

/// <summary>
/// The 1-D ConvNeXt block of Vocos: depthwise conv -> LayerNorm over channels -> <c>pwconv1</c> -> GELU
/// -> <c>pwconv2</c> -> layer scale <c>gamma</c>, plus the residual. With <c>causal</c> the depthwise conv
/// only looks back (<see cref="CausalConv1d"/>), so the block can run chunk by chunk with carried state. With
/// <c>conditions</c> the norm is Vocos's <see cref="AdaLayerNorm"/> (scale and shift per condition id, e.g. a codec's
/// bandwidth), and the block runs through <see cref="Conditioned"/>. Input and output <c>[B, C, T]</c>.
/// </summary>
public sealed class ConvNeXtBlock : nn.Module<Tensor, Tensor>
{
    readonly nn.Module<Tensor, Tensor> dwconv;
    readonly nn.Module norm;
    readonly Linear pwconv1;
    readonly GELU act;
    readonly Linear pwconv2;
    readonly Parameter gamma;
    readonly CausalConv1d? causalConv;

    /// <summary>A block of width <paramref name="dim"/>, MLP width <paramref name="hidden"/>, depthwise kernel <paramref name="kernel"/>.</summary>
    public ConvNeXtBlock(long dim, long hidden, int kernel, bool causal, double layerScale = 0.1, long conditions = 0) : base(nameof(ConvNeXtBlock))
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(kernel, 1);
        if (!causal && kernel % 2 == 0) throw new ArgumentException($"A centred depthwise conv needs an odd kernel; got {kernel}.", nameof(kernel));
        if (causal)
        {
            causalConv = new CausalConv1d(dim, dim, kernel, groups: dim);
            dwconv = causalConv;
        }
        else
        {
            dwconv = nn.Conv1d(dim, dim, kernel, padding: kernel / 2, groups: dim);
        }
        norm = conditions > 0 ? new AdaLayerNorm(conditions, dim) : nn.LayerNorm(dim, eps: 1e-6);
        pwconv1 = nn.Linear(dim, hidden);
        act = nn.GELU();
        pwconv2 = nn.Linear(hidden, dim);
        gamma = nn.Parameter(full(dim, layerScale));
        RegisterComponents();
    }

    /// <summary>Frames of past input the block needs (0 for a centred block, whose context is symmetric).</summary>
    public long LeftContext => causalConv?.LeftContext ?? 0;

    /// <summary>Whether the norm is adaptive (the block then needs a condition: <see cref="Conditioned"/>).</summary>
    public bool Adaptive => norm is AdaLayerNorm;

    /// <inheritdoc />
    public override Tensor forward(Tensor x) => Conditioned(x, null);

    /// <summary>The block on <c>[B, C, T]</c>; <paramref name="condition"/> (ids <c>[B]</c>) is needed exactly when the norm is adaptive.</summary>
    public Tensor Conditioned(Tensor x, Tensor? condition)
    {
        ArgumentNullException.ThrowIfNull(x);
        using var scope = NewDisposeScope();
        // The causal conv routes itself through the exact training path; the centred one is a plain Conv1d.
        var mixed = dwconv is Conv1d centred ? UnfoldConvolution.Forward(centred, x) : dwconv.call(x);
        return Pointwise(x, mixed, condition).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// The causal block on a chunk, with <paramref name="state"/> carrying the previous input frames
    /// (see <see cref="CausalConv1d.Stream"/>; results and state stay in the caller's dispose scope).
    /// </summary>
    public Tensor Stream(Tensor x, ref Tensor? state)
    {
        if (causalConv is null) throw new InvalidOperationException("Only a causal block can stream.");
        return Pointwise(x, causalConv.Stream(x, ref state), null);
    }

    /// <summary>
    /// The centred block on the next chunk <paramref name="x"/> of a stream: the outputs whose +-kernel/2 input frames have
    /// all arrived (<c>[B, C, 0]</c> when none), <paramref name="carried"/> keeping the input still needed and
    /// <paramref name="end"/> closing the sequence (<see cref="ConvolutionStreamState.Centred"/>). Chunked output equals
    /// <see cref="forward"/> on the whole sequence; results stay in the caller's dispose scope.
    /// </summary>
    public Tensor StreamCentred(Tensor x, ref Tensor? carried, bool end, Tensor? condition = null)
    {
        ArgumentNullException.ThrowIfNull(x);
        if (dwconv is not Conv1d centred) throw new InvalidOperationException("Only a centred block streams with look-ahead; a causal one uses Stream.");
        long halfWidth = centred.weight!.shape[2] / 2;
        var window = ConvolutionStreamState.Centred(x, ref carried, halfWidth, end);
        if (window is null) return x.narrow(2, 0, 0);
        var mixed = nn.functional.conv1d(window, centred.weight, centred.bias, groups: window.shape[1]);
        return Pointwise(window.narrow(2, halfWidth, mixed.shape[2]), mixed, condition);
    }

    Tensor Pointwise(Tensor residual, Tensor mixed, Tensor? condition)
    {
        var h = mixed.transpose(1, 2);
        h = norm switch
        {
            AdaLayerNorm ada => ada.call(h, condition ?? throw new ArgumentException("This block's norm is adaptive: give its condition ids.", nameof(condition))),
            LayerNorm plain when condition is null => plain.call(h),
            _ => throw new ArgumentException("This block's norm takes no condition.", nameof(condition)),
        };
        h = pwconv2.call(act.call(pwconv1.call(h)));
        return residual + (h * gamma).transpose(1, 2);
    }
}
