using static TorchSharp.torch;

namespace Media.Tokenizers.Audio.Encodec;

/// <summary>
/// Streaming encoder: <see cref="Push"/> audio chunks of any length (multiples of the hop keep latency
/// lowest), receive the codes that are already determined; <see cref="Flush"/> at the end returns the
/// rest. The concatenated codes equal <see cref="EncodecModel.Encode"/> on the whole signal. Each causal
/// convolution carries its left context, the LSTM its state; at the very start, reflection padding needs
/// pad_total + 1 samples per layer, so the first codes arrive after a few frames (7 at 24 kHz).
/// </summary>
public sealed class EncodecStreamingEncoder : IDisposable
{
    readonly EncodecModel _model;
    readonly ILayerStream _layers;
    readonly int _codebooks;
    long _batch = -1;
    bool _finished;

    internal EncodecStreamingEncoder(EncodecModel model, ILayerStream layers, int codebooks)
    {
        _model = model;
        _layers = layers;
        _codebooks = codebooks;
    }

    /// <summary>Codebooks per frame this stream emits.</summary>
    public int Codebooks => _codebooks;

    /// <summary>Audio [B, channels, t] to the codes [B, n, f] now determined (f may be 0).</summary>
    public Tensor Push(Tensor audio)
    {
        if (_finished) throw new InvalidOperationException("This stream has been flushed or disposed; open a new one.");
        _model.CheckAudio(audio, nameof(audio));
        if (_batch >= 0 && audio.shape[0] != _batch)
            throw new ArgumentException($"This stream encodes a batch of {_batch}; got a chunk with batch {audio.shape[0]}.", nameof(audio));
        _batch = audio.shape[0];
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        return Codes(_layers.Step(audio.to(ScalarType.Float32, _model.Device))).MoveToOuterDisposeScope();
    }

    /// <summary>Ends the stream and returns the remaining codes (the last frame may cover a partial hop).</summary>
    public Tensor Flush()
    {
        if (_finished) throw new InvalidOperationException("This stream has been flushed or disposed; open a new one.");
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var codes = Codes(_layers.Flush()).MoveToOuterDisposeScope();
        Dispose();
        return codes;
    }

    Tensor Codes(Tensor? latents) => latents is null
        ? empty([Math.Max(_batch, 0), _codebooks, 0], ScalarType.Int64, device: _model.Device)
        : _model.Quantizer.Encode(latents, _codebooks);

    /// <summary>Frees the carried state; the stream cannot be used afterwards.</summary>
    public void Dispose()
    {
        if (_finished) return;
        _finished = true;
        _layers.Dispose();
    }
}
