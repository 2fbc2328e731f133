using Media.Modeling.Layers;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Media.Tokenizers.Audio.Encodec;

/// <summary>
/// A causal 1-D convolution (HF <c>EncodecConv1d</c>): pad pad_total = k_eff - s on the left and the
/// extra that fills the last window on the right, then convolve. The weight is stored folded
/// (<c>conv.weight</c>, <c>conv.bias</c>); a checkpoint's weight norm is folded once, when it is loaded. Built with
/// <c>weightNorm</c> (training, as EnCodec trains) the layer holds <c>conv.weight_g</c>, <c>conv.weight_v</c> and
/// <c>conv.bias</c> instead (<see cref="WeightNormedKernel"/>).
/// </summary>
public sealed class EncodecConv1d : nn.Module<Tensor, Tensor>, IStreamingLayer
{
    readonly nn.Module conv;
    readonly int dilation;

    /// <summary>Creates the convolution; with <paramref name="weightNorm"/> its kernel trains weight-normalised.</summary>
    public EncodecConv1d(long inChannels, long outChannels, int kernelSize, int stride = 1, int dilation = 1,
        EncodecPadMode padMode = EncodecPadMode.Reflect, bool weightNorm = false) : base(nameof(EncodecConv1d))
    {
        var plain = nn.Conv1d(inChannels, outChannels, kernelSize, stride: stride, dilation: dilation);
        if (weightNorm)
        {
            // PyTorch's initialisation, then weight_norm over it: the same starting kernel either way.
            conv = new WeightNormedKernel(plain.weight!, plain.bias);
            plain.Dispose();
        }
        else conv = plain;
        Stride = stride;
        this.dilation = dilation;
        EffectiveKernelSize = CausalPadding.EffectiveKernelSize(kernelSize, dilation);
        PaddingTotal = CausalPadding.PaddingTotal(kernelSize, stride, dilation);
        if (PaddingTotal < 0)
            throw new ArgumentException($"A causal convolution needs stride ({stride}) <= effective kernel ({EffectiveKernelSize}).", nameof(stride));
        PadMode = padMode;
        RegisterComponents();
    }

    /// <summary>Stride s.</summary>
    public int Stride { get; }

    /// <summary>k_eff = (k - 1) * d + 1.</summary>
    public int EffectiveKernelSize { get; }

    /// <summary>Left padding k_eff - s.</summary>
    public int PaddingTotal { get; }

    /// <summary>How the left padding is filled.</summary>
    public EncodecPadMode PadMode { get; }

    /// <inheritdoc/>
    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        long extra = CausalPadding.ExtraPadding(input.shape[^1], EffectiveKernelSize, Stride, PaddingTotal);
        return ConvolvePadded(CausalPadding.Pad1d(input, PaddingTotal, extra, PadMode)).MoveToOuterDisposeScope();
    }

    /// <summary>Convolves already padded samples (no padding added); in training through <see cref="UnfoldConvolution"/>, whose gradients libtorch's CPU kernel gets wrong.</summary>
    internal Tensor ConvolvePadded(Tensor padded)
    {
        using var scope = NewDisposeScope();
        var (weight, bias) = conv is WeightNormedKernel normed ? (normed.Weight(), normed.Bias) : (((Conv1d)conv).weight!, ((Conv1d)conv).bias);
        var output = UnfoldConvolution.Needed(padded, weight)
            ? UnfoldConvolution.Conv1d(padded, weight, bias, Stride, dilation)
            : nn.functional.conv1d(padded, weight, bias, Stride, 0, dilation);
        return output.MoveToOuterDisposeScope();
    }

    ILayerStream IStreamingLayer.OpenStream() => new Stream(this);

    /// <summary>
    /// Carries the padded input not yet consumed. Reflection at the start needs pad_total + 1 samples, so
    /// the first output waits until they have arrived; after that every full window is emitted at once.
    /// </summary>
    sealed class Stream(EncodecConv1d layer) : ILayerStream
    {
        Tensor? pending;
        bool started;
        long received;

        public Tensor? Step(Tensor? input)
        {
            long length = StreamTensors.Length(input);
            if (length == 0) return null;
            received += length;
            var pending = StreamTensors.Concat(this.pending, input)!;
            if (!started)
            {
                long needed = layer.PadMode == EncodecPadMode.Reflect ? layer.PaddingTotal + 1 : 0;
                if (pending.shape[^1] < needed)
                {
                    StreamTensors.Hold(ref this.pending, pending);
                    return null;
                }
                pending = CausalPadding.Pad1d(pending, layer.PaddingTotal, 0, layer.PadMode);
                started = true;
            }
            return Consume(pending);
        }

        public Tensor? Flush()
        {
            if (pending is null) return null;
            Tensor? output;
            if (!started)
            {
                // The whole input was shorter than the reflection needs: exactly the offline path.
                output = layer.forward(pending);
            }
            else
            {
                long extra = CausalPadding.ExtraPadding(received, layer.EffectiveKernelSize, layer.Stride, layer.PaddingTotal);
                output = Consume(CausalPadding.Pad1d(pending, 0, extra, layer.PadMode));
            }
            StreamTensors.Hold(ref pending, null);
            return output;
        }

        Tensor? Consume(Tensor pending)
        {
            long length = pending.shape[^1], k = layer.EffectiveKernelSize, s = layer.Stride;
            long windows = length < k ? 0 : (length - k) / s + 1;
            var output = windows == 0 ? null : layer.ConvolvePadded(pending.narrow(-1, 0, (windows - 1) * s + k));
            StreamTensors.Hold(ref this.pending, StreamTensors.Slice(pending, windows * s, length));
            return output;
        }

        public void Dispose() => StreamTensors.Hold(ref pending, null);
    }
}
