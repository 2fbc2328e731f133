using Media.Audio.Dsp;
using Media.Modeling.Devices;
using Media.Modeling.Layers;
using Media.Tokenizers.Audio.Codec;
using Media.Tokenizers.Audio.Encodec;
using static TorchSharp.torch;

namespace Media.Tokenizers.Audio.Vocos;

/// <summary>
/// A <see cref="VocosDecoder"/> chunk by chunk: each layer runs once per frame, a frame's spectrum comes out once its
/// <see cref="VocosConfig.ReceptiveField"/> frames of look-ahead have arrived, and the inverse STFT's overlap-add emits
/// the samples no later frame overlaps. The concatenation equals <see cref="VocosDecoder.Decode"/> of the whole sequence;
/// the first audio waits for the look-ahead (and the half window of overlap). One signal (batch 1).
/// </summary>
public sealed class VocosStreamingDecoder : ICodecStreamingDecoder
{
    readonly VocosDecoder decoder;
    readonly ResidualVectorQuantizer quantizer;
    readonly Device device;
    readonly ConvolutionStreamState state;
    readonly StreamingOverlapAdd overlapAdd;
    int? codebooks;
    long frames;
    bool finished;

    /// <summary>
    /// A stream through <paramref name="decoder"/> (in eval mode) of codes of <paramref name="quantizer"/> on <paramref name="device"/>;
    /// <paramref name="codebooks"/> sets the condition for pushed latents (pushed codes set it from their count).
    /// </summary>
    public VocosStreamingDecoder(VocosDecoder decoder, ResidualVectorQuantizer quantizer, Device device, int? codebooks = null)
    {
        ArgumentNullException.ThrowIfNull(decoder);
        ArgumentNullException.ThrowIfNull(quantizer);
        ArgumentNullException.ThrowIfNull(device);
        if (codebooks is { } k) decoder.Config.ConditionFor(k);
        this.decoder = decoder;
        this.quantizer = quantizer;
        this.device = device;
        this.codebooks = codebooks;
        state = new ConvolutionStreamState(decoder.Backbone.StreamSlots);
        overlapAdd = new StreamingOverlapAdd(decoder.Config.NFft, decoder.Config.HopLength, (decoder.Config.NFft - decoder.Config.HopLength) / 2);
    }

    /// <inheritdoc />
    public Tensor Push(Tensor codes)
    {
        ArgumentNullException.ThrowIfNull(codes);
        Check(codes, "codes");
        if (codes.shape[1] < 1 || codes.shape[1] > quantizer.NumQuantizers)
            throw new ArgumentException($"Codes must hold 1 to {quantizer.NumQuantizers} codebooks; got {codes.shape[1]}.", nameof(codes));
        if (codebooks is { } k && k != codes.shape[1])
            throw new ArgumentException($"This stream decodes {k} codebooks; got a chunk of {codes.shape[1]}.", nameof(codes));
        codebooks = (int)codes.shape[1];
        using var scope = NewDisposeScope();
        using var inFlight = FinalizerGate.Enter();
        using var noGrad = no_grad();
        var latents = codes.shape[2] == 0
            ? zeros([1, decoder.Config.InputChannels, 0], device: device)
            : quantizer.Decode(codes.to(ScalarType.Int64, device));
        return Step(latents, end: false).MoveToOuterDisposeScope();
    }

    /// <inheritdoc />
    public Tensor PushLatents(Tensor latents)
    {
        ArgumentNullException.ThrowIfNull(latents);
        Check(latents, "latents");
        if (latents.shape[1] != decoder.Config.InputChannels)
            throw new ArgumentException($"Latents must be [1, {decoder.Config.InputChannels}, f]; got [{string.Join(", ", latents.shape)}].", nameof(latents));
        if (codebooks is null) throw new InvalidOperationException("Open the stream with the codebook count its latents stand for.");
        using var scope = NewDisposeScope();
        using var inFlight = FinalizerGate.Enter();
        using var noGrad = no_grad();
        return Step(latents.to(ScalarType.Float32, device), end: false).MoveToOuterDisposeScope();
    }

    /// <inheritdoc />
    public Tensor Flush()
    {
        if (finished) throw new InvalidOperationException("This stream has been flushed or disposed; open a new one.");
        using var scope = NewDisposeScope();
        using var inFlight = FinalizerGate.Enter();
        using var noGrad = no_grad();
        var audio = frames == 0
            ? zeros([1, 1, 0], device: device)
            : Step(zeros([1, decoder.Config.InputChannels, 0], device: device), end: true);
        Dispose();
        return audio.MoveToOuterDisposeScope();
    }

    void Check(Tensor input, string name)
    {
        if (finished) throw new InvalidOperationException("This stream has been flushed or disposed; open a new one.");
        if (input.dim() != 3 || input.shape[0] != 1)
            throw new ArgumentException($"A Vocos stream decodes one signal: give [1, n, frames]; got [{string.Join(", ", input.shape)}].", name);
    }

    // The backbone on the new frames, then their spectra's frames into the overlap-add; the samples now final as [1, 1, t].
    Tensor Step(Tensor latents, bool end)
    {
        frames += latents.shape[2];
        var condition = decoder.Condition(codebooks!.Value, 1, device);
        var features = decoder.Backbone.Stream(latents, condition, state, end);
        if (features.shape[1] > 0)
        {
            var spectrum = decoder.Head(features);
            overlapAdd.Add(decoder.Frames(spectrum).squeeze(0).transpose(0, 1), decoder.Window(device));
        }
        var samples = end ? overlapAdd.EmitEnd(frames * decoder.Config.HopLength) : overlapAdd.EmitComplete();
        return samples.reshape(1, 1, -1);
    }

    /// <summary>Frees the carried state; the stream cannot be used afterwards.</summary>
    public void Dispose()
    {
        if (finished) return;
        finished = true;
        state.Dispose();
        overlapAdd.Dispose();
    }
}
