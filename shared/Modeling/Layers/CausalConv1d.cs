using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Media.Modeling.Layers;

/// <summary>
/// A 1-D convolution that sees only the current and past frames: the input is left-padded by
/// <c>(kernel - 1) * dilation</c> frames. Offline those frames are zeros; streaming they are the tail of
/// the previous chunk (<see cref="Stream"/>), so chunked output equals offline output exactly.
/// </summary>
public sealed class CausalConv1d : nn.Module<Tensor, Tensor>
{
    readonly Conv1d conv;

    /// <summary>A causal conv <paramref name="inChannels"/> -> <paramref name="outChannels"/>.</summary>
    public CausalConv1d(long inChannels, long outChannels, int kernel, int dilation = 1, long groups = 1) : base(nameof(CausalConv1d))
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(kernel, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(dilation, 1);
        conv = nn.Conv1d(inChannels, outChannels, kernel, dilation: dilation, groups: groups);
        LeftContext = (kernel - 1L) * dilation;
        InChannels = inChannels;
        RegisterComponents();
    }

    /// <summary>Past frames each output depends on.</summary>
    public long LeftContext { get; }

    /// <summary>Input channels.</summary>
    public long InChannels { get; }

    /// <inheritdoc />
    public override Tensor forward(Tensor x)
    {
        Tensor? state = null;
        using var scope = NewDisposeScope();
        return Stream(x, ref state).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Convolves the chunk <paramref name="x"/> <c>[B, C, T]</c> after the carried frames in
    /// <paramref name="state"/> (zeros when null) and replaces <paramref name="state"/> with the last
    /// <see cref="LeftContext"/> input frames. The new state is left in the caller's dispose scope.
    /// </summary>
    public Tensor Stream(Tensor x, ref Tensor? state)
    {
        ArgumentNullException.ThrowIfNull(x);
        if (x.dim() != 3 || x.shape[1] != InChannels)
            throw new ArgumentException($"Expected [B, {InChannels}, T]; got [{string.Join(", ", x.shape)}].", nameof(x));
        if (LeftContext == 0) return UnfoldConvolution.Forward(conv, x);
        var past = state ?? zeros([x.shape[0], x.shape[1], LeftContext], dtype: x.dtype, device: x.device);
        var input = cat([past, x], 2);
        state = input.narrow(2, input.shape[2] - LeftContext, LeftContext).clone();
        return UnfoldConvolution.Forward(conv, input);
    }
}
