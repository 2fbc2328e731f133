using Media.Modeling.Devices;
using Media.Tokenizers.Audio.Codec;
using static TorchSharp.torch;

namespace Media.Tokenizers.Audio.Encodec;

/// <summary>
/// Streaming decoder: <see cref="Push"/> code chunks [B, n, f], receive the audio already determined;
/// <see cref="Flush"/> returns the rest. The concatenation equals <see cref="EncodecModel.Decode"/> on all
/// codes to within float rounding. The first audio arrives once the first convolution's reflection has
/// its pad_total + 1 frames (7 at 24 kHz); after that every frame yields hop samples.
/// </summary>
public sealed class EncodecStreamingDecoder : ICodecStreamingDecoder
{
    readonly EncodecModel model;
    readonly ILayerStream layers;
    long batch = -1, codebooks = -1;
    bool finished;

    internal EncodecStreamingDecoder(EncodecModel model, ILayerStream layers)
    {
        this.model = model;
        this.layers = layers;
    }

    /// <summary>Codes [B, n, f] to the audio [B, channels, t] now determined (t may be 0).</summary>
    public Tensor Push(Tensor codes)
    {
        if (finished) throw new InvalidOperationException("This stream has been flushed or disposed; open a new one.");
        model.CheckCodes(codes, nameof(codes));
        if (batch >= 0 && (codes.shape[0] != batch || codes.shape[1] != codebooks))
            throw new ArgumentException(
                $"This stream decodes [batch {batch}, {codebooks} codebooks]; got a chunk of [{codes.shape[0]}, {codes.shape[1]}].", nameof(codes));
        batch = codes.shape[0];
        codebooks = codes.shape[1];
        using var scope = NewDisposeScope();
        using var inFlight = FinalizerGate.Enter();
        using var noGrad = no_grad();
        var latents = codes.shape[2] == 0 ? null : model.Quantizer.Decode(codes.to(ScalarType.Int64, model.Device));
        return Audio(layers.Step(latents)).MoveToOuterDisposeScope();
    }

    /// <summary>Continuous latents [B, hidden, f] (a k-means tokenizer's centroids) to the audio [B, channels, t] now determined.</summary>
    public Tensor PushLatents(Tensor latents)
    {
        if (finished) throw new InvalidOperationException("This stream has been flushed or disposed; open a new one.");
        model.CheckLatents(latents, nameof(latents));
        if (batch >= 0 && latents.shape[0] != batch)
            throw new ArgumentException($"This stream decodes a batch of {batch}; got a chunk of {latents.shape[0]}.", nameof(latents));
        batch = latents.shape[0];
        using var scope = NewDisposeScope();
        using var inFlight = FinalizerGate.Enter();
        using var noGrad = no_grad();
        return Audio(layers.Step(latents.shape[2] == 0 ? null : latents.to(ScalarType.Float32, model.Device))).MoveToOuterDisposeScope();
    }

    /// <summary>Ends the stream and returns the remaining audio.</summary>
    public Tensor Flush()
    {
        if (finished) throw new InvalidOperationException("This stream has been flushed or disposed; open a new one.");
        using var scope = NewDisposeScope();
        using var inFlight = FinalizerGate.Enter();
        using var noGrad = no_grad();
        var audio = Audio(layers.Flush()).MoveToOuterDisposeScope();
        Dispose();
        return audio;
    }

    Tensor Audio(Tensor? samples) => samples ?? empty([Math.Max(batch, 0), model.Config.AudioChannels, 0], ScalarType.Float32, device: model.Device);

    /// <summary>Frees the carried state; the stream cannot be used afterwards.</summary>
    public void Dispose()
    {
        if (finished) return;
        finished = true;
        layers.Dispose();
    }
}
