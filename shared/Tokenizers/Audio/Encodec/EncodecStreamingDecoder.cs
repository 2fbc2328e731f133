using static TorchSharp.torch;

namespace Media.Tokenizers.Audio.Encodec;

/// <summary>
/// Streaming decoder: <see cref="Push"/> code chunks [B, n, f], receive the audio already determined;
/// <see cref="Flush"/> returns the rest. The concatenation equals <see cref="EncodecModel.Decode"/> on all
/// codes to within float rounding. The first audio arrives once the first convolution's reflection has
/// its pad_total + 1 frames (7 at 24 kHz); after that every frame yields hop samples.
/// </summary>
public sealed class EncodecStreamingDecoder : IDisposable
{
    readonly EncodecModel _model;
    readonly ILayerStream _layers;
    long _batch = -1, _codebooks = -1;
    bool _finished;

    internal EncodecStreamingDecoder(EncodecModel model, ILayerStream layers)
    {
        _model = model;
        _layers = layers;
    }

    /// <summary>Codes [B, n, f] to the audio [B, channels, t] now determined (t may be 0).</summary>
    public Tensor Push(Tensor codes)
    {
        if (_finished) throw new InvalidOperationException("This stream has been flushed or disposed; open a new one.");
        _model.CheckCodes(codes, nameof(codes));
        if (_batch >= 0 && (codes.shape[0] != _batch || codes.shape[1] != _codebooks))
            throw new ArgumentException(
                $"This stream decodes [batch {_batch}, {_codebooks} codebooks]; got a chunk of [{codes.shape[0]}, {codes.shape[1]}].", nameof(codes));
        _batch = codes.shape[0];
        _codebooks = codes.shape[1];
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var latents = codes.shape[2] == 0 ? null : _model.Quantizer.Decode(codes.to(ScalarType.Int64, _model.Device));
        return Audio(_layers.Step(latents)).MoveToOuterDisposeScope();
    }

    /// <summary>Ends the stream and returns the remaining audio.</summary>
    public Tensor Flush()
    {
        if (_finished) throw new InvalidOperationException("This stream has been flushed or disposed; open a new one.");
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var audio = Audio(_layers.Flush()).MoveToOuterDisposeScope();
        Dispose();
        return audio;
    }

    Tensor Audio(Tensor? samples) => samples ?? empty([Math.Max(_batch, 0), _model.Config.AudioChannels, 0], ScalarType.Float32, device: _model.Device);

    /// <summary>Frees the carried state; the stream cannot be used afterwards.</summary>
    public void Dispose()
    {
        if (_finished) return;
        _finished = true;
        _layers.Dispose();
    }
}
