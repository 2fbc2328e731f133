using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Media.Tokenizers.Audio.Encodec;

/// <summary>
/// SEANet residual block (HF <c>EncodecResnetBlock</c>): y = shortcut(x) + block(x), with
/// block = [ELU, Conv(dim -> dim/compress, k, dilation), ELU, Conv(dim/compress -> dim, 1)] and the
/// shortcut a 1x1 convolution (or the identity when the config says so).
/// </summary>
public sealed class EncodecResnetBlock : nn.Module<Tensor, Tensor>, IStreamingLayer
{
    readonly ModuleList<nn.Module<Tensor, Tensor>> block;
    readonly nn.Module<Tensor, Tensor> shortcut;

    /// <summary>Creates the block for <paramref name="dim"/> channels; the first convolution uses <paramref name="dilation"/>; <paramref name="weightNorm"/> as <see cref="EncodecConv1d"/>.</summary>
    public EncodecResnetBlock(EncodecConfig config, long dim, int dilation, bool weightNorm = false) : base(nameof(EncodecResnetBlock))
    {
        ArgumentNullException.ThrowIfNull(config);
        var padMode = EncodecModel.PadModeOf(config);
        long hidden = dim / config.Compress;
        block = nn.ModuleList<nn.Module<Tensor, Tensor>>(
            nn.ELU(),
            new EncodecConv1d(dim, hidden, config.ResidualKernelSize, dilation: dilation, padMode: padMode, weightNorm: weightNorm),
            nn.ELU(),
            new EncodecConv1d(hidden, dim, 1, padMode: padMode, weightNorm: weightNorm));
        shortcut = config.UseConvShortcut ? new EncodecConv1d(dim, dim, 1, padMode: padMode, weightNorm: weightNorm) : nn.Identity();
        RegisterComponents();
    }

    /// <inheritdoc/>
    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        var x = input;
        foreach (var layer in block) x = layer.call(x);
        return (shortcut.call(input) + x).MoveToOuterDisposeScope();
    }

    ILayerStream IStreamingLayer.OpenStream() => new Stream(
        SequentialStream.Open([shortcut]), SequentialStream.Open(block));

    /// <summary>
    /// The block's k-wide convolution may hold back its first outputs until its reflection has enough
    /// samples, while the 1x1 shortcut answers at once: shortcut outputs wait here until the block's match them.
    /// </summary>
    sealed class Stream(ILayerStream shortcut, ILayerStream block) : ILayerStream
    {
        Tensor? waiting;

        public Tensor? Step(Tensor? input) =>
            StreamTensors.Length(input) == 0 ? null : Join(shortcut.Step(input), block.Step(input));

        public Tensor? Flush() => Join(shortcut.Flush(), block.Flush());

        Tensor? Join(Tensor? skip, Tensor? residual)
        {
            var waiting = StreamTensors.Concat(this.waiting, skip);
            long ready = StreamTensors.Length(residual);
            if (ready == 0)
            {
                StreamTensors.Hold(ref this.waiting, waiting);
                return null;
            }
            var output = waiting!.narrow(-1, 0, ready) + residual!;
            StreamTensors.Hold(ref this.waiting, StreamTensors.Slice(waiting, ready, waiting.shape[^1]));
            return output;
        }

        public void Dispose()
        {
            shortcut.Dispose();
            block.Dispose();
            StreamTensors.Hold(ref waiting, null);
        }
    }
}
