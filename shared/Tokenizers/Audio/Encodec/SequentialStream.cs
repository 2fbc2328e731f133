using static TorchSharp.torch;

namespace Media.Tokenizers.Audio.Encodec;

/// <summary>Layers in sequence; flushing pushes each layer's remainder through the layers after it.</summary>
internal sealed class SequentialStream(IReadOnlyList<ILayerStream> layers) : ILayerStream
{
    public Tensor? Step(Tensor? input)
    {
        var x = input;
        foreach (var layer in layers)
        {
            if (StreamTensors.Length(x) == 0) return null;
            x = layer.Step(x);
        }
        return x;
    }

    public Tensor? Flush()
    {
        Tensor? carry = null;
        foreach (var layer in layers)
            carry = StreamTensors.Concat(StreamTensors.Length(carry) == 0 ? null : layer.Step(carry), layer.Flush());
        return carry;
    }

    public void Dispose()
    {
        foreach (var layer in layers) layer.Dispose();
    }

    /// <summary>Opens a stream for every layer: streaming layers their own, the rest as sample-wise.</summary>
    public static SequentialStream Open(IEnumerable<nn.Module<Tensor, Tensor>> modules) =>
        new([.. modules.Select(m => m is IStreamingLayer s ? s.OpenStream() : new PointwiseStream(m))]);
}
