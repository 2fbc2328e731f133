namespace Media.Tokenizers.Image;

/// <summary>
/// Configuration of a LlamaGen-style VQ tokenizer (FoundationVision/LlamaGen, tokenizer/vq_model.py).
/// Channel widths are <see cref="Channels"/> times each level's multiplier and must be multiples of 32
/// (GroupNorm with 32 groups); the image is downsampled 2^(levels - 1) times.
/// </summary>
public sealed record VqConfig
{
    /// <summary>Number of codes.</summary>
    public int CodebookSize { get; init; } = 1024;

    /// <summary>Dimension of each code (the quant_conv output channels).</summary>
    public int CodebookDim { get; init; } = 8;

    /// <summary>L2-normalise codes and encoder outputs before the nearest-neighbour search (LlamaGen's default).</summary>
    public bool L2Normalize { get; init; } = true;

    /// <summary>Keep the `codebook_used` ring buffer of recent code ids (LlamaGen's show_usage); it is part of the state dict.</summary>
    public bool ShowUsage { get; init; } = true;

    /// <summary>Weight of the commitment loss.</summary>
    public double CommitmentBeta { get; init; } = 0.25;

    /// <summary>Weight of LlamaGen's entropy loss (0 in their configs).</summary>
    public double EntropyLossRatio { get; init; }

    /// <summary>Base channel width (LlamaGen: 128).</summary>
    public int Channels { get; init; } = 32;

    /// <summary>Per-level channel multipliers of the encoder.</summary>
    public IReadOnlyList<int> EncoderChannelMultipliers { get; init; } = [1, 2, 2];

    /// <summary>Per-level channel multipliers of the decoder (listed from the finest level, like the encoder).</summary>
    public IReadOnlyList<int> DecoderChannelMultipliers { get; init; } = [1, 2, 2];

    /// <summary>Channels of the encoder output / decoder input (LlamaGen: 256).</summary>
    public int ZChannels { get; init; } = 64;

    /// <summary>ResBlocks per encoder level; the decoder has one more per level.</summary>
    public int ResBlocks { get; init; } = 2;

    /// <summary>Dropout inside ResBlocks.</summary>
    public double Dropout { get; init; }

    /// <summary>Image channels.</summary>
    public int ImageChannels { get; init; } = 3;

    /// <summary>Pixels per token side: 2^(levels - 1).</summary>
    public int DownsampleFactor => 1 << (EncoderChannelMultipliers.Count - 1);

    /// <summary>
    /// The small default for 64x64 images: widths 32/64/64, 16x16 tokens, 1024 codes of 8 dimensions.
    /// </summary>
    public static VqConfig Tiny { get; } = new();

    /// <summary>LlamaGen's VQ_16 (the `vq_ds16_c2i.pt` / `vq_ds16_t2i.pt` checkpoints): 256 px to 16x16 tokens, 16384 x 8 codebook.</summary>
    public static VqConfig Vq16 { get; } = new()
    {
        CodebookSize = 16384,
        Channels = 128,
        EncoderChannelMultipliers = [1, 1, 2, 2, 4],
        DecoderChannelMultipliers = [1, 1, 2, 2, 4],
        ZChannels = 256,
    };

    /// <summary>Throws <see cref="ArgumentException"/> naming the first inconsistent setting.</summary>
    public void Validate()
    {
        if (CodebookSize < 1 || CodebookDim < 1) throw new ArgumentException($"The codebook needs at least one code of one dimension; got {CodebookSize} x {CodebookDim}.");
        if (CodebookSize > 65536 && ShowUsage) throw new ArgumentException("codebook_used stores 65536 recent ids; a larger codebook cannot show usage.");
        if (EncoderChannelMultipliers.Count == 0 || DecoderChannelMultipliers.Count == 0) throw new ArgumentException("At least one level is needed.");
        if (EncoderChannelMultipliers.Count != DecoderChannelMultipliers.Count)
            throw new ArgumentException($"Encoder ({EncoderChannelMultipliers.Count}) and decoder ({DecoderChannelMultipliers.Count}) levels differ, so decoded images would not match the input size.");
        foreach (var m in EncoderChannelMultipliers.Concat(DecoderChannelMultipliers))
            if (m < 1 || Channels * m % 32 != 0)
                throw new ArgumentException($"Channel width {Channels} x {m} is not a positive multiple of 32, which GroupNorm(32) needs.");
        if (ZChannels < 1 || ResBlocks < 1 || ImageChannels < 1) throw new ArgumentException("ZChannels, ResBlocks and ImageChannels must be positive.");
    }
}
