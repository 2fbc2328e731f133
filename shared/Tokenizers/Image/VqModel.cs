using Media.Modeling.Devices;
using Media.Modeling.Layers;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using Media.Modeling.Tensors;

namespace Media.Tokenizers.Image;

/// <summary>
/// A LlamaGen-style VQ image tokenizer (VQModel): encoder -> quant_conv -> vector quantizer ->
/// post_quant_conv -> decoder. Module names follow LlamaGen's state dict (`encoder.*`, `decoder.*`,
/// `quantize.embedding.weight`, `quantize.codebook_used`, `quant_conv.*`, `post_quant_conv.*`), so the
/// `vq_ds16` checkpoints' "model" dictionary loads into <see cref="VqConfig.Vq16"/> key for key.
/// Images are [B, 3, H, W] in [-1, 1]; H and W must be multiples of the downsample factor.
/// </summary>
public sealed class VqModel : nn.Module<Tensor, (Tensor Reconstruction, QuantizerOutput Quantizer)>
{
    readonly VqEncoder encoder;
    readonly VqDecoder decoder;
    readonly VectorQuantizer quantize;
    readonly Conv2d quant_conv;
    readonly Conv2d post_quant_conv;

    /// <summary>Builds the model (randomly initialised) for <paramref name="config"/>.</summary>
    public VqModel(VqConfig config) : base(nameof(VqModel))
    {
        ArgumentNullException.ThrowIfNull(config);
        config.Validate();
        Config = config;
        encoder = new VqEncoder(config);
        decoder = new VqDecoder(config);
        quantize = new VectorQuantizer(config);
        quant_conv = nn.Conv2d(config.ZChannels, config.CodebookDim, 1);
        post_quant_conv = nn.Conv2d(config.CodebookDim, config.ZChannels, 1);
        RegisterComponents();
    }

    /// <summary>The configuration this model was built with.</summary>
    public VqConfig Config { get; }

    /// <summary>The vector quantizer (usage statistics, dead-code restart).</summary>
    public VectorQuantizer Quantizer => quantize;

    /// <summary>Reconstruction and quantizer output (losses, ids, statistics) for images [B, 3, H, W].</summary>
    public override (Tensor Reconstruction, QuantizerOutput Quantizer) forward(Tensor images)
    {
        using var scope = NewDisposeScope();
        var quantized = quantize.call(EncodeLatents(images));
        var reconstruction = DecodeLatents(quantized.Quantized);
        return (reconstruction.MoveToOuterDisposeScope(), quantized.MoveToOuterDisposeScope());
    }

    /// <summary>The encoder's pre-quantisation outputs (after quant_conv), [B, D, H/f, W/f].</summary>
    public Tensor EncodeLatents(Tensor images)
    {
        CheckImages(images);
        using var scope = NewDisposeScope();
        return UnfoldConvolution.Forward(quant_conv, encoder.call(images)).MoveToOuterDisposeScope();
    }

    /// <summary>Images from (quantized) latents [B, D, h, w]; unbounded, as trained.</summary>
    public Tensor DecodeLatents(Tensor latents)
    {
        ArgumentNullException.ThrowIfNull(latents);
        using var scope = NewDisposeScope();
        return decoder.call(UnfoldConvolution.Forward(post_quant_conv, latents)).MoveToOuterDisposeScope();
    }

    /// <summary>Token ids [B, H/f, W/f] for images [B, 3, H, W] in [-1, 1].</summary>
    public Tensor Encode(Tensor images)
    {
        using var scope = NewDisposeScope();
        using var inFlight = FinalizerGate.Enter();
        using var noGrad = no_grad();
        var output = quantize.call(EncodeLatents(images));
        return output.Indices.MoveToOuterDisposeScope();
    }

    /// <summary>Images [B, 3, h*f, w*f] in [-1, 1] for token ids [B, h, w].</summary>
    public Tensor Decode(Tensor ids)
    {
        using var scope = NewDisposeScope();
        using var inFlight = FinalizerGate.Enter();
        using var noGrad = no_grad();
        return DecodeLatents(quantize.Lookup(ids)).Clamp(-1, 1).MoveToOuterDisposeScope();
    }

    void CheckImages(Tensor images)
    {
        ArgumentNullException.ThrowIfNull(images);
        int f = Config.DownsampleFactor;
        if (images.dim() != 4 || images.shape[1] != Config.ImageChannels || images.shape[2] % f != 0 || images.shape[3] % f != 0)
            throw new ArgumentException(
                $"Expected images [B, {Config.ImageChannels}, H, W] with H and W multiples of {f}; got [{string.Join(", ", images.shape)}].", nameof(images));
    }
}
