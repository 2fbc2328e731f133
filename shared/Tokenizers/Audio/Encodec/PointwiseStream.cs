using static TorchSharp.torch;

namespace Media.Tokenizers.Audio.Encodec;

/// <summary>A stateless, sample-wise layer (ELU, identity): every output is ready at once.</summary>
internal sealed class PointwiseStream(nn.Module<Tensor, Tensor> layer) : ILayerStream
{
    public Tensor? Step(Tensor? input) => StreamTensors.Length(input) == 0 ? null : layer.call(input!);

    public Tensor? Flush() => null;

    public void Dispose()
    {
    }
}
