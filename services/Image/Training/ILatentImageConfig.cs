namespace Media.Services.Image.Training;

/// <summary>What a model generating KL-VAE latents needs of its config to train: the image, the VAE's stride and channels.</summary>
public interface ILatentImageConfig
{
    /// <summary>Image side in pixels.</summary>
    int ImgSize { get; }

    /// <summary>Pixels per latent (the VAE's downsampling).</summary>
    int VaeStride { get; }

    /// <summary>Latent channels of the VAE.</summary>
    int VaeEmbedDim { get; }

    /// <summary>Throws <see cref="ArgumentException"/> naming the first inconsistent setting.</summary>
    void Validate();
}
