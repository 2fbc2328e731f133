using Media.Modeling.Devices;
using Media.Modeling.Layers;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using Media.Modeling.Tensors;

namespace Media.Tokenizers.Image.Kl;

/// <summary>
/// A KL-regularised image autoencoder (latent diffusion's AutoencoderKL as MAR ships it): encoder ->
/// quant_conv (moments: mean and log-variance) -> a diagonal Gaussian -> post_quant_conv -> decoder.
/// Module names follow the public state dict (`encoder.down.{i}.block.{j}.*`, `encoder.mid.attn_1.*`,
/// `decoder.up.{i}.upsample.conv.*`, `quant_conv.*`, `post_quant_conv.*`), so MAR's kl16.ckpt loads
/// into <see cref="KlConfig.Kl16"/> key for key. Images are [B, 3, H, W] in [-1, 1].
/// </summary>
public sealed class AutoencoderKl : nn.Module<Tensor, (Tensor Reconstruction, DiagonalGaussian Posterior)>
{
    readonly KlEncoder encoder;
    readonly KlDecoder decoder;
    readonly Conv2d quant_conv;
    readonly Conv2d post_quant_conv;

    /// <summary>Builds the model (randomly initialised) for <paramref name="config"/>.</summary>
    public AutoencoderKl(KlConfig config) : base(nameof(AutoencoderKl))
    {
        ArgumentNullException.ThrowIfNull(config);
        config.Validate();
        Config = config;
        encoder = new KlEncoder(config);
        decoder = new KlDecoder(config);
        quant_conv = nn.Conv2d(2 * config.EmbedDim, 2 * config.EmbedDim, 1);
        post_quant_conv = nn.Conv2d(config.EmbedDim, config.EmbedDim, 1);
        // Start nearly deterministic: with the default initialisation the posterior noise (std about 1)
        // swamps the means and a small decoder learns only the background. Loaded weights replace this.
        using (no_grad())
        {
            quant_conv.weight!.narrow(0, config.EmbedDim, config.EmbedDim).zero_();
            quant_conv.bias!.narrow(0, config.EmbedDim, config.EmbedDim).fill_(InitialLogVariance);
        }
        RegisterComponents();
    }

    /// <summary>Log-variance of a fresh model's posterior (std 0.018); ours, not latent diffusion's.</summary>
    public const double InitialLogVariance = -8;

    /// <summary>The configuration this model was built with.</summary>
    public KlConfig Config { get; }

    /// <summary>Reconstruction from a posterior sample (the training path) and the posterior.</summary>
    public override (Tensor Reconstruction, DiagonalGaussian Posterior) forward(Tensor images)
    {
        var posterior = Encode(images);
        using var scope = NewDisposeScope();
        var reconstruction = Decode(posterior.Sample());
        return (reconstruction.MoveToOuterDisposeScope(), posterior);
    }

    /// <summary>The posterior over unscaled latents [B, embed_dim, H/f, W/f] for images [B, 3, H, W].</summary>
    public DiagonalGaussian Encode(Tensor images)
    {
        CheckImages(images);
        Tensor moments;
        using (var scope = NewDisposeScope()) moments = UnfoldConvolution.Forward(quant_conv, encoder.call(images)).MoveToOuterDisposeScope();
        // Built outside the scope: its mean and log-variance belong to the caller.
        return new DiagonalGaussian(moments);
    }

    /// <summary>Images (unbounded, as trained) from unscaled latents [B, embed_dim, h, w].</summary>
    public Tensor Decode(Tensor latents)
    {
        ArgumentNullException.ThrowIfNull(latents);
        if (latents.dim() != 4 || latents.shape[1] != Config.EmbedDim)
            throw new ArgumentException($"Expected latents [B, {Config.EmbedDim}, h, w]; got [{string.Join(", ", latents.shape)}].", nameof(latents));
        using var scope = NewDisposeScope();
        return decoder.call(UnfoldConvolution.Forward(post_quant_conv, latents)).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// What a generator models, as MAR does: a posterior sample times the scale factor
    /// (<paramref name="sample"/> false: the mean, for deterministic use), under no_grad.
    /// </summary>
    public Tensor EncodeScaled(Tensor images, bool sample = true, Generator? generator = null)
    {
        using var inFlight = FinalizerGate.Enter();
        using var noGrad = no_grad();
        using var posterior = Encode(images);
        using var scope = NewDisposeScope();
        var z = sample ? posterior.Sample(generator) : posterior.Mean.alias();
        return z.mul(Config.ScaleFactor).MoveToOuterDisposeScope();
    }

    /// <summary>Images in [-1, 1] from scaled latents (the inverse of <see cref="EncodeScaled"/>), under no_grad.</summary>
    public Tensor DecodeScaled(Tensor scaledLatents)
    {
        ArgumentNullException.ThrowIfNull(scaledLatents);
        using var inFlight = FinalizerGate.Enter();
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        return Decode(scaledLatents.div(Config.ScaleFactor)).Clamp(-1, 1).MoveToOuterDisposeScope();
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
