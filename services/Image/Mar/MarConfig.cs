using System.Text.Json.Serialization;
using Media.Modeling.Checkpoints;
using Media.Services.Image.Training;

namespace Media.Services.Image.Mar;

/// <summary>
/// Configuration of a MAR model (LTH14/mar, models/mar.py): the latent grid it generates (VAE stride
/// and channels, patch size), the MAE encoder and decoder, the buffer of condition tokens, and the
/// per-token diffusion head (DiffLoss). Class-conditional when <see cref="ClassNum"/> &gt; 0 (the public
/// checkpoints, <c>class_emb</c>); caption-conditional otherwise (<c>caption_emb</c> over the caption
/// vocabulary <see cref="CaptionGpt2Ids"/>, one caption token per buffer slot).
/// </summary>
public sealed record MarConfig : ILatentImageConfig
{
    /// <summary>Image side in pixels.</summary>
    public int ImgSize { get; init; } = 64;

    /// <summary>Pixels per latent (the VAE's downsampling).</summary>
    public int VaeStride { get; init; } = 4;

    /// <summary>Latents per token side: tokens are patch x patch latents flattened (MAR's patchify).</summary>
    public int PatchSize { get; init; } = 2;

    /// <summary>Latent channels of the VAE.</summary>
    public int VaeEmbedDim { get; init; } = 4;

    /// <summary>Encoder width.</summary>
    public int EncoderEmbedDim { get; init; } = 128;

    /// <summary>Encoder blocks.</summary>
    public int EncoderDepth { get; init; } = 4;

    /// <summary>Encoder heads.</summary>
    public int EncoderNumHeads { get; init; } = 4;

    /// <summary>Decoder width.</summary>
    public int DecoderEmbedDim { get; init; } = 128;

    /// <summary>Decoder blocks.</summary>
    public int DecoderDepth { get; init; } = 4;

    /// <summary>Decoder heads.</summary>
    public int DecoderNumHeads { get; init; } = 4;

    /// <summary>MLP width over model width.</summary>
    public double MlpRatio { get; init; } = 4;

    /// <summary>Condition (buffer) tokens before the image tokens (MAR: 64, all holding the class embedding).</summary>
    public int BufferSize { get; init; } = 24;

    /// <summary>Classes of a class-conditional model (MAR: 1000); 0 for caption conditioning.</summary>
    public int ClassNum { get; init; }

    /// <summary>GPT-2 ids of the caption vocabulary (caption conditioning).</summary>
    public IReadOnlyList<int>? CaptionGpt2Ids { get; init; }

    /// <summary>Probability that training replaces the condition by <c>fake_latent</c> (for CFG).</summary>
    public double LabelDropProb { get; init; } = 0.1;

    /// <summary>Lowest training mask ratio (a truncated Gaussian centred at 1, std 0.25).</summary>
    public double MaskRatioMin { get; init; } = 0.7;

    /// <summary>
    /// Training only: how each batch's mask ratio is drawn. Null is MAR's truncated Gaussian (<see cref="MaskRatioMin"/>
    /// to 1), so training never shows the backbone a scene more than 30 % known, while the sampler's second half of
    /// iterations sees up to 98 % known; <see cref="CosineMaskSchedule"/> draws MaskGIT's cos(pi/2 u), u uniform, the
    /// fractions the sampler's own schedule passes through (a departure from MAR; docs/MAR.md).
    /// </summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? MaskRatioSchedule { get; init; }

    /// <summary>The <see cref="MaskRatioSchedule"/> that matches the sampler's cosine schedule.</summary>
    public const string CosineMaskSchedule = "cosine";

    /// <summary>Residual blocks of the diffusion head (MAR-B: 6).</summary>
    public int DifflossD { get; init; } = 3;

    /// <summary>Width of the diffusion head (MAR-B: 1024).</summary>
    public int DifflossW { get; init; } = 256;

    /// <summary>Respaced sampling steps of the head without DiSA (MAR: 100).</summary>
    public int NumSamplingSteps { get; init; } = 50;

    /// <summary>
    /// Largest timestep the head's fixed-step sampler starts from; null starts from the last of the 1000
    /// (MAR). The cosine schedule's clipped last beta makes abar at t = 999 about 2e-9, so the first
    /// reverse step multiplies the head's epsilon error by sqrt(abar_prev / abar_999) (about 600 at 50
    /// respaced steps): a small head trained briefly here diverges from there, so our models start at 950,
    /// where DiSA clips too. A sampling setting, not part of the architecture.
    /// </summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public int? SamplingMaxTimestep { get; init; }

    /// <summary>
    /// Training only: the head's epsilon MSE weighted as the velocity's, min(1 / abar_t, cap) per timestep
    /// (<c>GaussianDiffusion.VelocityLossWeights</c>); null is MAR's plain epsilon loss. Under the epsilon loss an
    /// x0 error at t = 900 costs SNR = 0.024 of its square, so the backbone's condition, which is all the head has to
    /// go on at high noise, learns slowly: 32 scenes trained 500 steps gave masked tokens an x0 error of 0.56 at
    /// t = 900 from the caption alone, 0.12 with a cap of 50 (docs/MAR.md).
    /// </summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public double? VelocityWeightCap { get; init; }

    /// <summary>Each token's target is repeated this many times with different noise levels per training step.</summary>
    public int DiffusionBatchMul { get; init; } = 4;

    /// <summary>SHA-256 of the VAE weights the model was trained on (our models).</summary>
    public string? VaeSha256 { get; init; }

    /// <summary>Tokens per side.</summary>
    [JsonIgnore] public int SeqH => ImgSize / VaeStride / PatchSize;

    /// <summary>Tokens per image.</summary>
    [JsonIgnore] public int SeqLen => SeqH * SeqH;

    /// <summary>Channels of one token (VAE channels x patch^2).</summary>
    [JsonIgnore] public int TokenEmbedDim => VaeEmbedDim * PatchSize * PatchSize;

    /// <summary>True for a caption-conditional model.</summary>
    [JsonIgnore] public bool IsCaptionConditioned => ClassNum == 0;

    /// <summary>MAR-B (mar_base, kl16, 256 px): 12+12 blocks x 768, head 6 x 1024.</summary>
    public static MarConfig MarB { get; } = new()
    {
        ImgSize = 256, VaeStride = 16, PatchSize = 1, VaeEmbedDim = 16,
        EncoderEmbedDim = 768, EncoderDepth = 12, EncoderNumHeads = 12,
        DecoderEmbedDim = 768, DecoderDepth = 12, DecoderNumHeads = 12,
        BufferSize = 64, ClassNum = 1000, DifflossD = 6, DifflossW = 1024, NumSamplingSteps = 100,
    };

    /// <summary>MAR-L (mar_large): 16+16 blocks x 1024, head 8 x 1280.</summary>
    public static MarConfig MarL { get; } = MarB with
    {
        EncoderEmbedDim = 1024, EncoderDepth = 16, EncoderNumHeads = 16,
        DecoderEmbedDim = 1024, DecoderDepth = 16, DecoderNumHeads = 16,
        DifflossD = 8, DifflossW = 1280,
    };

    /// <summary>Throws <see cref="ArgumentException"/> naming the first inconsistent setting.</summary>
    public void Validate()
    {
        if (ImgSize <= 0 || VaeStride <= 0 || PatchSize <= 0 || ImgSize % (VaeStride * PatchSize) != 0)
            throw new ArgumentException($"img_size {ImgSize} must be a multiple of vae_stride x patch_size = {VaeStride * PatchSize}.");
        if (VaeEmbedDim <= 0) throw new ArgumentException("vae_embed_dim must be positive.");
        if (EncoderEmbedDim % EncoderNumHeads != 0 || DecoderEmbedDim % DecoderNumHeads != 0)
            throw new ArgumentException("Each width must be a multiple of its head count.");
        if (EncoderDepth <= 0 || DecoderDepth <= 0 || DifflossD <= 0 || DifflossW <= 0) throw new ArgumentException("Depths and widths must be positive.");
        if (BufferSize <= 0) throw new ArgumentException("buffer_size must be positive: the condition lives in the buffer.");
        if (ClassNum < 0) throw new ArgumentException("class_num must not be negative.");
        if (IsCaptionConditioned && (CaptionGpt2Ids is null || CaptionGpt2Ids.Count == 0))
            throw new ArgumentException("A caption-conditioned model (class_num 0) needs caption_gpt2_ids.");
        if (MaskRatioMin is <= 0 or > 1) throw new ArgumentException("mask_ratio_min must lie in (0, 1].");
        if (MaskRatioSchedule is not (null or CosineMaskSchedule))
            throw new ArgumentException($"mask_ratio_schedule must be absent (MAR's truncated Gaussian) or \"{CosineMaskSchedule}\"; got \"{MaskRatioSchedule}\".");
        if (LabelDropProb is < 0 or >= 1) throw new ArgumentException("label_drop_prob must lie in [0, 1).");
        if (NumSamplingSteps is <= 0 or > 1000) throw new ArgumentException("num_sampling_steps must lie in 1..1000.");
        if (SamplingMaxTimestep is { } maxT && (maxT < NumSamplingSteps - 1 || maxT > 999))
            throw new ArgumentException($"sampling_max_timestep must lie in {NumSamplingSteps - 1}..999 (num_sampling_steps - 1 at least); got {maxT}.");
        if (VelocityWeightCap is { } cap && !(cap >= 1)) throw new ArgumentException($"velocity_weight_cap must be at least 1 (or absent); got {cap}.");
        if (DiffusionBatchMul <= 0) throw new ArgumentException("diffusion_batch_mul must be positive.");
    }

    /// <summary>The config as <c>config.json</c> text.</summary>
    public string ToJson() => ModelConfigJson.Write(this);

    /// <summary>Reads and validates a config.</summary>
    public static MarConfig FromJson(string json) => ModelConfigJson.Parse<MarConfig>(json, "MAR", c => c.Validate());
}
