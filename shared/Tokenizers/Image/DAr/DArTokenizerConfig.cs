namespace Media.Tokenizers.Image.DAr;

/// <summary>
/// Shape of D-AR's sequential diffusion tokenizer (showlab/D-AR <c>configs/tokenizer_v1.yaml</c>): a ViT encoder over
/// <see cref="PatchSize"/>-pixel patches and <see cref="Tokens"/> learnable queries, an 8-dimensional L2-normalised VQ, a
/// small causal transformer over the quantised tokens, and a pixel-space flow-matching decoder whose step i is conditioned
/// on token group i (<see cref="Groups"/> groups = flow steps). The defaults are the 64 px model trained here;
/// <see cref="PublicV1"/> is the released 256 px tokenizer.
/// </summary>
public sealed record DArTokenizerConfig
{
    /// <summary>Image side in pixels.</summary>
    public int ImageSize { get; init; } = 64;

    /// <summary>Encoder patch side (D-AR: 16).</summary>
    public int PatchSize { get; init; } = 8;

    /// <summary>Encoder (and post-quantiser transformer) width.</summary>
    public int EncoderDim { get; init; } = 128;

    /// <summary>Encoder blocks.</summary>
    public int EncoderLayers { get; init; } = 4;

    /// <summary>Causal blocks over the quantised tokens before the decoder reads them (D-AR's <c>num_decoder_layers</c>).</summary>
    public int PostQuantLayers { get; init; } = 2;

    /// <summary>Width of one attention head in every transformer of the tokenizer (D-AR: 64).</summary>
    public int HeadDim { get; init; } = 32;

    /// <summary>Tokens (learnable queries) per image.</summary>
    public int Tokens { get; init; } = 64;

    /// <summary>Token groups = flow steps; group i conditions step i.</summary>
    public int Groups { get; init; } = 8;

    /// <summary>Codes in the book.</summary>
    public int CodebookSize { get; init; } = 1024;

    /// <summary>Dimension of each code (D-AR: 8).</summary>
    public int CodebookDim { get; init; } = 8;

    /// <summary>Commitment weight of the VQ.</summary>
    public double CommitmentBeta { get; init; } = 0.25;

    /// <summary>Weight of LlamaGen's entropy loss in the VQ.</summary>
    public double EntropyLossRatio { get; init; } = 0.01;

    /// <summary>Rows of the low-rank query table (D-AR: Embedding(1024, 8)).</summary>
    public int QueryTableSize { get; init; } = 1024;

    /// <summary>Rank of the query embedding (D-AR: 8).</summary>
    public int QueryRank { get; init; } = 8;

    /// <summary>Decoder patch side in pixels (D-AR: 8).</summary>
    public int DecoderPatchSize { get; init; } = 4;

    /// <summary>Decoder width.</summary>
    public int DecoderDim { get; init; } = 128;

    /// <summary>Decoder blocks.</summary>
    public int DecoderDepth { get; init; } = 4;

    /// <summary>MLP width as a multiple of the block width.</summary>
    public double MlpRatio { get; init; } = 4.0;

    /// <summary>Data scale of the flow: x1 = DataStd * image (D-AR: 0.6).</summary>
    public double DataStd { get; init; } = 0.6;

    /// <summary>Time shift s of t / (t + s (1 - t)), in training and sampling (D-AR: 2).</summary>
    public double TimeShift { get; init; } = 2.0;

    /// <summary>
    /// Width of the features REPA aligns the decoder to (D-AR: DINOv2-B's 768); 0 builds no projector (<c>repa_out</c>, used
    /// only in training, so a tokenizer without it decodes the same).
    /// </summary>
    public int RepaDim { get; init; }

    /// <summary>The decoder block whose input REPA projects (D-AR: 8 of 12); null: two thirds of the depth.</summary>
    public int? RepaLayer { get; init; }

    /// <summary>The decoder block whose input REPA projects.</summary>
    public int RepaBlock => RepaLayer ?? DecoderDepth * 2 / 3;

    /// <summary>Tokens per group.</summary>
    public int TokensPerGroup => Tokens / Groups;

    /// <summary>Encoder patches per side.</summary>
    public int PatchGrid => ImageSize / PatchSize;

    /// <summary>Decoder patches per side.</summary>
    public int DecoderGrid => ImageSize / DecoderPatchSize;

    /// <summary>The released D-AR tokenizer v1 (256 px, 16 px patches, 256 tokens in 8 groups, 16384 x 8 codes, decoder 12 x 768 on 8 px patches).</summary>
    public static DArTokenizerConfig PublicV1 { get; } = new()
    {
        ImageSize = 256, PatchSize = 16, EncoderDim = 768, EncoderLayers = 8, PostQuantLayers = 8, HeadDim = 64, Tokens = 256, Groups = 8,
        CodebookSize = 16384, CodebookDim = 8, EntropyLossRatio = 0, DecoderPatchSize = 8, DecoderDim = 768, DecoderDepth = 12,
    };

    /// <summary>The VQ settings of the quantiser (L2-normalised codes, usage buffer on).</summary>
    public VqConfig Quantizer => new()
    {
        CodebookSize = CodebookSize, CodebookDim = CodebookDim, L2Normalize = true, ShowUsage = true,
        CommitmentBeta = CommitmentBeta, EntropyLossRatio = EntropyLossRatio,
    };

    /// <summary>Throws an <see cref="ArgumentException"/> naming the first inconsistent field.</summary>
    public void Validate()
    {
        Require(ImageSize > 0 && PatchSize > 0 && ImageSize % PatchSize == 0, $"image_size {ImageSize} must be a positive multiple of patch_size {PatchSize}");
        Require(DecoderPatchSize > 0 && ImageSize % DecoderPatchSize == 0, $"image_size {ImageSize} must be a multiple of decoder_patch_size {DecoderPatchSize}");
        Require(HeadDim > 0 && HeadDim % 4 == 0, $"head_dim {HeadDim} must be a positive multiple of 4 (2D RoPE)");
        Require(EncoderDim > 0 && EncoderDim % HeadDim == 0, $"encoder_dim {EncoderDim} must be a multiple of head_dim {HeadDim}");
        Require(DecoderDim > 0 && DecoderDim % HeadDim == 0, $"decoder_dim {DecoderDim} must be a multiple of head_dim {HeadDim}");
        Require(EncoderLayers > 0 && PostQuantLayers >= 0 && DecoderDepth > 0, "layer counts must be positive (post_quant_layers may be 0)");
        Require(Groups > 0 && Tokens > 0 && Tokens % Groups == 0, $"tokens {Tokens} must be a positive multiple of groups {Groups}");
        Require(Tokens <= QueryTableSize, $"tokens {Tokens} exceed the query table ({QueryTableSize})");
        Require(CodebookSize > 1 && CodebookDim > 0 && QueryRank > 0, "codebook_size, codebook_dim and query_rank must be positive");
        Require(DataStd > 0 && TimeShift > 0 && MlpRatio > 0, "data_std, time_shift and mlp_ratio must be positive");
        Require(RepaDim >= 0 && RepaBlock >= 0 && RepaBlock < DecoderDepth, $"repa_dim {RepaDim} must not be negative and repa_layer {RepaBlock} must name a decoder block (0..{DecoderDepth - 1})");
    }

    static void Require(bool ok, string message)
    {
        if (!ok) throw new ArgumentException($"Invalid D-AR tokenizer config: {message}.");
    }
}
