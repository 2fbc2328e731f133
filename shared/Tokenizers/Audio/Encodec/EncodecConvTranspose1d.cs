using Media.Modeling.Layers;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Media.Tokenizers.Audio.Encodec;

/// <summary>
/// A causal transposed convolution (HF <c>EncodecConvTranspose1d</c>): upsample by the stride and trim
/// pad_total = k - s samples from the right, so n input frames give exactly n * s samples. The weight is
/// [in, out, k] and stored folded (<c>conv.weight</c>, <c>conv.bias</c>), or, built with <c>weightNorm</c> for training,
/// as <c>conv.weight_g</c> ([in, 1, 1], PyTorch's dim 0), <c>conv.weight_v</c> and <c>conv.bias</c>.
/// </summary>
public sealed class EncodecConvTranspose1d : nn.Module<Tensor, Tensor>, IStreamingLayer
{
    readonly nn.Module conv;

    /// <summary>Creates the transposed convolution; with <paramref name="weightNorm"/> its kernel trains weight-normalised.</summary>
    public EncodecConvTranspose1d(long inChannels, long outChannels, int kernelSize, int stride, bool weightNorm = false) : base(nameof(EncodecConvTranspose1d))
    {
        if (kernelSize < stride)
            throw new ArgumentException($"A causal transposed convolution needs stride ({stride}) <= kernel ({kernelSize}).", nameof(stride));
        var plain = nn.ConvTranspose1d(inChannels, outChannels, kernelSize, stride: stride);
        if (weightNorm)
        {
            conv = new WeightNormedKernel(plain.weight!, plain.bias);
            plain.Dispose();
        }
        else conv = plain;
        KernelSize = kernelSize;
        Stride = stride;
        RegisterComponents();
    }

    /// <summary>Kernel k.</summary>
    public int KernelSize { get; }

    /// <summary>Stride s (the upsampling factor).</summary>
    public int Stride { get; }

    /// <inheritdoc/>
    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        var output = Transpose(input);
        int trim = CausalPadding.TransposedTrim(KernelSize, Stride);
        return output.narrow(-1, 0, output.shape[^1] - trim).MoveToOuterDisposeScope();
    }

    // libtorch's strided transposed conv1d has exact gradients (unlike its conv backward), so training keeps its kernel.
    Tensor Transpose(Tensor input) => conv is WeightNormedKernel normed
        ? nn.functional.conv_transpose1d(input, normed.Weight(), normed.Bias, Stride)
        : ((ConvTranspose1d)conv).call(input);

    ILayerStream IStreamingLayer.OpenStream() => new Stream(this);

    /// <summary>
    /// Output sample p sums the frames j with j*s &lt;= p &lt; j*s + k, so frame i's block [i*s, (i+1)*s) also
    /// needs the ceil(k/s) - 1 frames before it. The stream carries those frames as left context and emits
    /// exactly s samples per new frame, each computed whole (no partial sums), as offline.
    /// </summary>
    sealed class Stream(EncodecConvTranspose1d layer) : ILayerStream
    {
        readonly int contextFrames = (layer.KernelSize + layer.Stride - 1) / layer.Stride - 1;
        Tensor? context;

        public Tensor? Step(Tensor? input)
        {
            long frames = StreamTensors.Length(input);
            if (frames == 0) return null;
            var joined = StreamTensors.Concat(this.context, input)!;
            long context = StreamTensors.Length(this.context), total = joined.shape[^1];
            var output = layer.Transpose(joined).narrow(-1, context * layer.Stride, frames * layer.Stride);
            long keep = Math.Min(contextFrames, total);
            StreamTensors.Hold(ref this.context, StreamTensors.Slice(joined, total - keep, total));
            return output;
        }

        // Offline trims the samples that later frames would complete: nothing is left to emit.
        public Tensor? Flush() => null;

        public void Dispose() => StreamTensors.Hold(ref context, null);
    }
}
