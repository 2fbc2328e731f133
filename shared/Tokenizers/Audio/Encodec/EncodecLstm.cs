using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Media.Tokenizers.Audio.Encodec;

/// <summary>A unidirectional LSTM over time with a skip connection: y = lstm(x) + x (HF <c>EncodecLSTM</c>).</summary>
public sealed class EncodecLstm : nn.Module<Tensor, Tensor>, IStreamingLayer
{
    readonly LSTM lstm;

    /// <summary>Creates the LSTM; input and hidden size are both <paramref name="dimension"/>.</summary>
    public EncodecLstm(long dimension, int numLayers) : base(nameof(EncodecLstm))
    {
        lstm = nn.LSTM(dimension, dimension, numLayers);
        RegisterComponents();
    }

    /// <inheritdoc/>
    public override Tensor forward(Tensor input) => Run(input, null).Output;

    // [B, C, T] -> time-major [T, B, C] for the LSTM and back; returns the final (h, c) for streaming.
    (Tensor Output, Tensor H, Tensor C) Run(Tensor input, (Tensor, Tensor)? state)
    {
        using var scope = NewDisposeScope();
        var sequence = input.permute(2, 0, 1);
        var (output, h, c) = lstm.call(sequence, state);
        var y = (output + sequence).permute(1, 2, 0);
        return (y.MoveToOuterDisposeScope(), h.MoveToOuterDisposeScope(), c.MoveToOuterDisposeScope());
    }

    ILayerStream IStreamingLayer.OpenStream() => new Stream(this);

    /// <summary>Carries the hidden and cell state from one chunk to the next.</summary>
    sealed class Stream(EncodecLstm layer) : ILayerStream
    {
        Tensor? hidden, cell;

        public Tensor? Step(Tensor? input)
        {
            if (StreamTensors.Length(input) == 0) return null;
            var (output, h, c) = layer.Run(input!, hidden is null ? null : (hidden, cell!));
            StreamTensors.Hold(ref hidden, h);
            StreamTensors.Hold(ref cell, c);
            return output;
        }

        public Tensor? Flush() => null;

        public void Dispose()
        {
            StreamTensors.Hold(ref hidden, null);
            StreamTensors.Hold(ref cell, null);
        }
    }
}
