using Media.Modeling.Devices;
using TorchSharp;
using static TorchSharp.torch;

namespace Media.Tokenizers.Audio.Encodec;

/// <summary>
/// EnCodec (Défossez et al., 2022; HF <c>EncodecModel</c>): a causal SEANet encoder turns audio into
/// latents at sampling_rate / hop frames per second, residual vector quantization turns each latent into
/// one code per codebook, and the decoder turns the summed codes back into audio. The bandwidth chooses
/// how many codebooks are used. State dict keys are HF's (<c>encoder.layers.{i}...</c>,
/// <c>quantizer.layers.{k}.codebook.embed</c>); see <see cref="EncodecCheckpoint"/> for loading.
/// </summary>
public sealed class EncodecModel : nn.Module
{
    readonly EncodecEncoder encoder;
    readonly EncodecDecoder decoder;
    readonly ResidualVectorQuantizer quantizer;

    /// <summary>
    /// Builds the model (random weights) for <paramref name="config"/> on <paramref name="device"/> (CPU when null). With
    /// <paramref name="weightNorm"/> every convolution keeps <c>weight_g</c>/<c>weight_v</c> instead of <c>weight</c>, as
    /// EnCodec trains; such a state is folded (<see cref="Media.Modeling.Checkpoints.WeightNorm.FoldAll"/>) for inference.
    /// </summary>
    public EncodecModel(EncodecConfig config, Device? device = null, bool weightNorm = false) : base(nameof(EncodecModel))
    {
        ArgumentNullException.ThrowIfNull(config);
        config.Validate();
        Config = config;
        WeightNormalized = weightNorm;
        encoder = new EncodecEncoder(config, weightNorm);
        decoder = new EncodecDecoder(config, weightNorm);
        quantizer = new ResidualVectorQuantizer(config.NumQuantizers, config.CodebookSize, config.HiddenSize);
        RegisterComponents();
        if (device is not null) this.to(device);
        eval();
    }

    /// <summary>The architecture's hyper-parameters.</summary>
    public EncodecConfig Config { get; }

    /// <summary>True when the convolutions train weight-normalised (<c>weight_g</c>/<c>weight_v</c> keys).</summary>
    public bool WeightNormalized { get; }

    /// <summary>The residual vector quantizer.</summary>
    public ResidualVectorQuantizer Quantizer => quantizer;

    /// <summary>The device the weights live on.</summary>
    public Device Device => quantizer.Layers[0].Codebook.Embed.device;

    /// <summary>Codebooks used at <paramref name="bandwidthKbps"/>; all of them when null.</summary>
    public int CodebooksFor(double? bandwidthKbps) =>
        bandwidthKbps is { } kbps ? Config.CodebooksForBandwidth(kbps) : Config.NumQuantizers;

    /// <summary>
    /// Audio [B, channels, T] (float, on any device) to codes [B, n, ceil(T / hop)] (int64), n from the bandwidth.
    /// The last frame covers a partial hop when T is not a multiple of it.
    /// </summary>
    public Tensor Encode(Tensor audio, double? bandwidthKbps = null)
    {
        int codebooks = CodebooksFor(bandwidthKbps);
        CheckAudio(audio, nameof(audio));
        return Infer(() => quantizer.Encode(encoder.call(audio.to(ScalarType.Float32, Device)), codebooks));
    }

    /// <summary>
    /// Audio [B, channels, T] to the encoder's continuous latents [B, hidden, ceil(T / hop)], before the quantizer: with
    /// <see cref="DecodeLatents"/>, the autoencoder alone, the ceiling every bandwidth's codes stay under.
    /// </summary>
    public Tensor EncodeLatents(Tensor audio)
    {
        CheckAudio(audio, nameof(audio));
        return Infer(() => encoder.call(audio.to(ScalarType.Float32, Device)));
    }

    /// <summary>Codes [B, n, frames] (any integer type, n up to the codebook count) to audio [B, channels, frames * hop].</summary>
    public Tensor Decode(Tensor codes)
    {
        CheckCodes(codes, nameof(codes));
        return Infer(() => decoder.call(quantizer.Decode(codes.to(ScalarType.Int64, Device))));
    }

    /// <summary>Continuous latents [B, hidden, frames] (quantized or not) to audio [B, channels, frames * hop].</summary>
    public Tensor DecodeLatents(Tensor latents)
    {
        CheckLatents(latents, nameof(latents));
        return Infer(() => decoder.call(latents.to(ScalarType.Float32, Device)));
    }

    // One offline call: no graph, the finalizer gate held, every tensor it makes freed but its result.
    static Tensor Infer(Func<Tensor> work)
    {
        using var scope = NewDisposeScope();
        using var inFlight = FinalizerGate.Enter();
        using var noGrad = no_grad();
        return work().MoveToOuterDisposeScope();
    }

    /// <summary>Starts streaming encoding: push audio chunks, get codes as soon as they are determined.</summary>
    public EncodecStreamingEncoder OpenStreamingEncoder(double? bandwidthKbps = null) => new(this, encoder.OpenStream(), CodebooksFor(bandwidthKbps));

    /// <summary>Starts streaming decoding: push code chunks, get audio as soon as it is determined.</summary>
    public EncodecStreamingDecoder OpenStreamingDecoder() => new(this, decoder.OpenStream());

    internal void CheckAudio(Tensor audio, string parameter)
    {
        ArgumentNullException.ThrowIfNull(audio, parameter);
        if (audio.dim() != 3 || audio.shape[1] != Config.AudioChannels || audio.shape[2] == 0)
            throw new ArgumentException(
                $"Audio must be [batch, {Config.AudioChannels} channel(s), samples > 0]; got [{string.Join(", ", audio.shape)}].", parameter);
        if (!audio.is_floating_point())
            throw new ArgumentException($"Audio must be floating point samples in [-1, 1]; got {audio.dtype}.", parameter);
    }

    internal void CheckCodes(Tensor codes, string parameter)
    {
        ArgumentNullException.ThrowIfNull(codes, parameter);
        if (codes.dim() != 3 || codes.shape[1] < 1 || codes.shape[1] > Config.NumQuantizers)
            throw new ArgumentException(
                $"Codes must be [batch, 1..{Config.NumQuantizers} codebooks, frames]; got [{string.Join(", ", codes.shape)}].", parameter);
        if (codes.is_floating_point() || codes.dtype == ScalarType.Bool)
            throw new ArgumentException($"Codes must be integers; got {codes.dtype}.", parameter);
        if (codes.numel() == 0) return;
        long min = codes.min().to_type(ScalarType.Int64).item<long>(), max = codes.max().to_type(ScalarType.Int64).item<long>();
        if (min < 0 || max >= Config.CodebookSize)
            throw new ArgumentException($"Codes must lie in [0, {Config.CodebookSize}); found values from {min} to {max}.", parameter);
    }

    internal void CheckLatents(Tensor latents, string parameter)
    {
        ArgumentNullException.ThrowIfNull(latents, parameter);
        if (latents.dim() != 3 || latents.shape[1] != Config.HiddenSize || !latents.is_floating_point())
            throw new ArgumentException($"Latents must be float [batch, {Config.HiddenSize}, frames]; got {latents.dtype} [{string.Join(", ", latents.shape)}].", parameter);
    }

    internal static EncodecPadMode PadModeOf(EncodecConfig config) =>
        config.PadMode == "constant" ? EncodecPadMode.Constant : EncodecPadMode.Reflect;

    internal EncodecEncoder Encoder => encoder;

    internal EncodecDecoder Decoder => decoder;
}
