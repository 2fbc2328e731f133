namespace Media.Tokenizers.Image.Kl;

/// <summary>
/// Configuration of a KL-regularised autoencoder in the layout of latent diffusion's AutoencoderKL,
/// as MAR uses it (LTH14/mar, models/vae.py). Channel widths are <see cref="Channels"/> times each
/// level's multiplier (multiples of 32 for GroupNorm(32)); the image is downsampled 2^(levels - 1)
/// times. Attention blocks sit at the levels whose resolution is listed, computed from <see cref="Resolution"/>
/// exactly as the public code does.
/// </summary>
public sealed record KlConfig
{
    /// <summary>Latent channels (MAR's vae_embed_dim; the encoder's z_channels, doubled for mean and log-variance).</summary>
    public int EmbedDim { get; init; } = 4;

    /// <summary>Base channel width (KL-16: 128).</summary>
    public int Channels { get; init; } = 32;

    /// <summary>Per-level channel multipliers, finest first (shared by encoder and decoder).</summary>
    public IReadOnlyList<int> ChannelMultipliers { get; init; } = [1, 2, 2];

    /// <summary>ResBlocks per encoder level; the decoder has one more per level.</summary>
    public int ResBlocks { get; init; } = 1;

    /// <summary>Nominal input side in pixels: only decides where attention goes.</summary>
    public int Resolution { get; init; } = 64;

    /// <summary>Encoder levels with attention, by resolution (KL-16: 16, its coarsest level).</summary>
    public IReadOnlyList<int> EncoderAttentionResolutions { get; init; } = [16];

    /// <summary>Decoder levels with attention, by resolution (KL-16: none; the mid block always has one).</summary>
    public IReadOnlyList<int> DecoderAttentionResolutions { get; init; } = [];

    /// <summary>Latents are multiplied by this before a generator sees them (KL-16: 0.2325, about 1/std).</summary>
    public double ScaleFactor { get; init; } = 1.0;

    /// <summary>Dropout inside ResBlocks.</summary>
    public double Dropout { get; init; }

    /// <summary>Image channels.</summary>
    public int ImageChannels { get; init; } = 3;

    /// <summary>Pixels per latent side: 2^(levels - 1).</summary>
    public int DownsampleFactor => 1 << (ChannelMultipliers.Count - 1);

    /// <summary>The small default for 64x64 scenes: widths 32/64/64, 16x16x4 latents.</summary>
    public static KlConfig Tiny { get; } = new();

    /// <summary>MAR's KL-16 (kl16.ckpt): 256 px to 16x16x16 latents, scale 0.2325.</summary>
    public static KlConfig Kl16 { get; } = new()
    {
        EmbedDim = 16,
        Channels = 128,
        ChannelMultipliers = [1, 1, 2, 2, 4],
        ResBlocks = 2,
        Resolution = 256,
        EncoderAttentionResolutions = [16],
        DecoderAttentionResolutions = [],
        ScaleFactor = 0.2325,
    };

    /// <summary>Throws <see cref="ArgumentException"/> naming the first inconsistent setting.</summary>
    public void Validate()
    {
        if (EmbedDim < 1) throw new ArgumentException($"EmbedDim must be positive; got {EmbedDim}.");
        if (ChannelMultipliers.Count == 0) throw new ArgumentException("At least one level is needed.");
        foreach (var m in ChannelMultipliers)
            if (m < 1 || Channels * m % 32 != 0)
                throw new ArgumentException($"Channel width {Channels} x {m} is not a positive multiple of 32, which GroupNorm(32) needs.");
        if (ResBlocks < 1 || ImageChannels < 1 || Resolution < 1) throw new ArgumentException("ResBlocks, ImageChannels and Resolution must be positive.");
        if (!(ScaleFactor > 0) || double.IsInfinity(ScaleFactor)) throw new ArgumentException($"ScaleFactor must be a positive finite number; got {ScaleFactor}.");
    }
}
