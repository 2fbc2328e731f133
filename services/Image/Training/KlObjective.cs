using Media.Tokenizers.Image.Kl;
using TorchSharp;
using static TorchSharp.torch;

namespace Media.Services.Image.Training;

/// <summary>
/// The KL autoencoder's objective: the scene reconstruction loss on a posterior sample plus a small
/// KL term, without the GAN and LPIPS terms of latent diffusion (no discriminator or ImageNet network
/// at this size). Latent diffusion weighs 1e-6 x the per-image KL sum against the per-image sum of
/// pixel errors; our pixel terms are means, so the KL sum is divided by the pixels of an image to keep
/// that ratio.
/// </summary>
public sealed class KlObjective
{
    readonly AutoencoderKl model;

    /// <summary>The objective for <paramref name="model"/>.</summary>
    public KlObjective(AutoencoderKl model, SceneReconstructionLoss reconstruction, double klWeight = 1e-6)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(reconstruction);
        if (!(klWeight >= 0)) throw new ArgumentOutOfRangeException(nameof(klWeight), "The KL weight must not be negative.");
        this.model = model;
        Reconstruction = reconstruction;
        KlWeight = klWeight;
    }

    /// <summary>The pixel loss.</summary>
    public SceneReconstructionLoss Reconstruction { get; }

    /// <summary>Weight of the KL term, relative to latent diffusion's per-image sums.</summary>
    public double KlWeight { get; }

    /// <summary>The scalar loss of a micro-batch of images [B, 3, H, W] in [-1, 1].</summary>
    public Tensor Loss(Tensor images)
    {
        ArgumentNullException.ThrowIfNull(images);
        using var scope = NewDisposeScope();
        var (reconstruction, posterior) = model.call(images);
        using (posterior)
        {
            long pixels = images.shape[1] * images.shape[2] * images.shape[3];
            var kl = posterior.Kl().mean().div(pixels);
            return Reconstruction.Loss(images, reconstruction).add(kl.mul(KlWeight)).MoveToOuterDisposeScope();
        }
    }
}
