using static TorchSharp.torch;

namespace Media.Tokenizers.Audio.Encodec;

/// <summary>
/// One layer's streaming state. <see cref="Step"/> takes the next samples [B, C, t] and returns every
/// output sample that is now fully determined (null when none yet); <see cref="Flush"/> ends the stream
/// and returns the rest. Concatenating all outputs equals the layer's offline output on the whole input.
/// Returned tensors belong to the caller's dispose scope; carried state is held outside any scope.
/// </summary>
internal interface ILayerStream : IDisposable
{
    Tensor? Step(Tensor? input);

    Tensor? Flush();
}

/// <summary>A module whose offline forward has a streaming counterpart.</summary>
internal interface IStreamingLayer
{
    ILayerStream OpenStream();
}
