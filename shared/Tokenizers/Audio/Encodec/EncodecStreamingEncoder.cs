using Media.Modeling.Devices;
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
    readonly EncodecModel model;
    readonly ILayerStream layers;
    readonly int codebooks;
    long batch = -1;
    bool finished;

    internal EncodecStreamingEncoder(EncodecModel model, ILayerStream layers, int codebooks)
    {
        this.model = model;
        this.layers = layers;
        this.codebooks = codebooks;
    }

    /// <summary>Codebooks per frame this stream emits.</summary>
    public int Codebooks => codebooks;

    /// <summary>Audio [B, channels, t] to the codes [B, n, f] now determined (f may be 0).</summary>
    public Tensor Push(Tensor audio)
    {
        if (finished) throw new InvalidOperationException("This stream has been flushed or disposed; open a new one.");
        model.CheckAudio(audio, nameof(audio));
        if (batch >= 0 && audio.shape[0] != batch)
            throw new ArgumentException($"This stream encodes a batch of {batch}; got a chunk with batch {audio.shape[0]}.", nameof(audio));
        batch = audio.shape[0];
        using var scope = NewDisposeScope();
        using var inFlight = FinalizerGate.Enter();
        using var noGrad = no_grad();
        return Codes(layers.Step(audio.to(ScalarType.Float32, model.Device))).MoveToOuterDisposeScope();
    }

    /// <summary>Ends the stream and returns the remaining codes (the last frame may cover a partial hop).</summary>
    public Tensor Flush()
    {
        if (finished) throw new InvalidOperationException("This stream has been flushed or disposed; open a new one.");
        using var scope = NewDisposeScope();
        using var inFlight = FinalizerGate.Enter();
        using var noGrad = no_grad();
        var codes = Codes(layers.Flush()).MoveToOuterDisposeScope();
        Dispose();
        return codes;
    }

    Tensor Codes(Tensor? latents) => latents is null
        ? empty([Math.Max(batch, 0), codebooks, 0], ScalarType.Int64, device: model.Device)
        : model.Quantizer.Encode(latents, codebooks);

    /// <summary>Frees the carried state; the stream cannot be used afterwards.</summary>
    public void Dispose()
    {
        if (finished) return;
        finished = true;
        layers.Dispose();
    }
}
