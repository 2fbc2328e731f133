using System.Text.Json.Serialization;
using Media.Modeling.Checkpoints;
using Media.Modeling.Diffusion;
using Media.Services.Image.Training;

namespace Media.Services.Image.LatentDiffusion;

/// <summary>
/// Configuration of the text-conditioned latent DiT (the base model of MagicMix here): the KL-VAE latent grid it denoises
/// (VAE stride and channels, patch size), the DiT trunk (adaLN-Zero blocks with cross-attention to the caption), the small
/// caption encoder over the compact caption vocabulary, and the diffusion process it was trained on (epsilon prediction).
/// </summary>
public sealed record LdmConfig : ILatentImageConfig
{
    /// <summary>Image side in pixels.</summary>
    public int ImgSize { get; init; } = 64;

    /// <summary>Pixels per latent (the VAE's downsampling).</summary>
    public int VaeStride { get; init; } = 4;

    /// <summary>Latent channels of the VAE.</summary>
    public int VaeEmbedDim { get; init; } = 4;

    /// <summary>Latents per token side (DiT's patch size).</summary>
    public int PatchSize { get; init; } = 2;

    /// <summary>Width of the DiT trunk and of the caption encoder.</summary>
    public int HiddenSize { get; init; } = 192;

    /// <summary>DiT blocks.</summary>
    public int Depth { get; init; } = 6;

    /// <summary>Attention heads.</summary>
    public int NumHeads { get; init; } = 6;

    /// <summary>MLP width over model width.</summary>
    public double MlpRatio { get; init; } = 4;

    /// <summary>Caption tokens the model reads (padded with the pad id).</summary>
    public int TextLength { get; init; } = 24;

    /// <summary>Transformer blocks of the caption encoder before the DiT cross-attends to it.</summary>
    public int TextDepth { get; init; } = 2;

    /// <summary>GPT-2 ids of the caption vocabulary.</summary>
    public IReadOnlyList<int> CaptionGpt2Ids { get; init; } = [];

    /// <summary>Probability that training replaces the caption by the empty caption (for classifier-free guidance).</summary>
    public double CaptionDropProb { get; init; } = 0.1;

    /// <summary>Noise schedule name (<see cref="BetaSchedules.Named"/>); Stable Diffusion's scaled_linear by default.</summary>
    public string NoiseSchedule { get; init; } = "scaled_linear";

    /// <summary>Diffusion steps of training.</summary>
    public int DiffusionSteps { get; init; } = 1000;

    /// <summary>SHA-256 of the VAE weights the model was trained on.</summary>
    public string? VaeSha256 { get; init; }

    /// <summary>Latents per side.</summary>
    [JsonIgnore] public int LatentSize => ImgSize / VaeStride;

    /// <summary>Tokens per side.</summary>
    [JsonIgnore] public int GridSize => LatentSize / PatchSize;

    /// <summary>Values per token.</summary>
    [JsonIgnore] public int TokenDim => VaeEmbedDim * PatchSize * PatchSize;

    /// <summary>The training process (<see cref="DiffusionSteps"/> steps on <see cref="NoiseSchedule"/>, fixed small variance).</summary>
    public GaussianDiffusion CreateDiffusion() => GaussianDiffusion.Create(NoiseSchedule, DiffusionSteps, DiffusionVariance.FixedSmall);

    /// <summary>Throws <see cref="ArgumentException"/> naming the first inconsistent setting.</summary>
    public void Validate()
    {
        if (ImgSize <= 0 || VaeStride <= 0 || PatchSize <= 0 || ImgSize % (VaeStride * PatchSize) != 0)
            throw new ArgumentException($"img_size {ImgSize} must be a multiple of vae_stride x patch_size = {VaeStride * PatchSize}.");
        if (VaeEmbedDim <= 0) throw new ArgumentException("vae_embed_dim must be positive.");
        if (HiddenSize <= 0 || NumHeads <= 0 || HiddenSize % NumHeads != 0) throw new ArgumentException("hidden_size must be a positive multiple of num_heads.");
        if (Depth <= 0 || TextDepth < 0 || TextLength <= 0) throw new ArgumentException("depth and text_length must be positive, text_depth not negative.");
        if (CaptionGpt2Ids.Count == 0) throw new ArgumentException("caption_gpt2_ids must list the caption vocabulary.");
        if (CaptionDropProb is < 0 or >= 1) throw new ArgumentException("caption_drop_prob must lie in [0, 1).");
        if (DiffusionSteps is <= 0 or > 4000) throw new ArgumentException("diffusion_steps must lie in 1..4000.");
        _ = BetaSchedules.Named(NoiseSchedule, 1);
    }

    /// <summary>The config as <c>config.json</c> text.</summary>
    public string ToJson() => ModelConfigJson.Write(this);

    /// <summary>Reads and validates a config.</summary>
    public static LdmConfig FromJson(string json) => ModelConfigJson.Parse<LdmConfig>(json, "latent DiT", c => c.Validate());
}
