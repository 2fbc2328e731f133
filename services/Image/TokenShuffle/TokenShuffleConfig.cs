using System.Text.Json;
using System.Text.Json.Serialization;
using Media.Modeling.Checkpoints;
using Media.Modeling.Transformers;

namespace Media.Services.Image.TokenShuffle;

/// <summary>
/// Shape of the text-to-image model: a LlamaGen GPT over <c>[condition | image windows]</c>. The condition is
/// <see cref="ConditionLength"/> ids from <c>cls_embedding</c> (our captions: padded caption ids then &lt;boi&gt;;
/// a LlamaGen class checkpoint: one class id), the image is a <see cref="GridSize"/>² grid of VQ codes fed as
/// (<see cref="GridSize"/>/<see cref="Shuffle"/>)² Token-Shuffle windows of <see cref="Shuffle"/>² codes.
/// </summary>
public sealed record TokenShuffleConfig
{
    /// <summary>Transformer width.</summary>
    public int Dim { get; init; } = 256;

    /// <summary>Transformer layers.</summary>
    public int NLayer { get; init; } = 6;

    /// <summary>Attention heads.</summary>
    public int NHead { get; init; } = 8;

    /// <summary>SwiGLU hidden width rounding (LlamaGen: 256).</summary>
    public int MultipleOf { get; init; } = 256;

    /// <summary>VQ codebook size: the image vocabulary of <c>tok_embeddings</c> and <c>output</c>.</summary>
    public int CodebookSize { get; init; } = 1024;

    /// <summary>VQ tokens per image side.</summary>
    public int GridSize { get; init; } = 8;

    /// <summary>Token-Shuffle window side s (1, 2 or 4): s² codes per AR position.</summary>
    public int Shuffle { get; init; } = 2;

    /// <summary>Residual MLP blocks on each side of the transformer (Token-Shuffle: 2 suffice).</summary>
    public int ShuffleBlocks { get; init; } = 2;

    /// <summary>Rows of <c>cls_embedding.embedding_table</c>.</summary>
    public int ConditionVocabSize { get; init; } = 1001;

    /// <summary>Condition positions before the first image window.</summary>
    public int ConditionLength { get; init; } = 1;

    /// <summary>
    /// How RoPE treats the condition positions: <see cref="PrefixRotation.Zero"/> is LlamaGen's quirk (needed to
    /// run its checkpoints); our caption models use <see cref="PrefixRotation.Identity"/> so image queries can
    /// attend to individual caption words (zeroed keys would only let them see the caption's average).
    /// </summary>
    [JsonConverter(typeof(JsonStringEnumConverter<PrefixRotation>))]
    public PrefixRotation ConditionRotation { get; init; } = PrefixRotation.Zero;

    /// <summary>
    /// RoPE axes over the image positions: 2 (LlamaGen's 2D RoPE over the window grid, Token-Shuffle) or 1 (a plain 1D RoPE over
    /// the whole sequence, condition included: D-AR's GPT, whose tokens are a sequence rather than a grid). Null means 2 and is
    /// left out of <c>config.json</c>, so Token-Shuffle's files stay as they were.
    /// </summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public int? RopeAxes { get; init; }

    /// <summary>The RoPE axes in effect (<see cref="RopeAxes"/>, 2 when unset).</summary>
    [JsonIgnore] public int RopeAxesInEffect => RopeAxes ?? 2;

    /// <summary>The GPT-2 ids of the caption vocabulary (<see cref="Tokenizers.Text.CaptionVocabulary.Gpt2Ids"/>); null for class-conditioned models.</summary>
    public IReadOnlyList<int>? TextGpt2Ids { get; init; }

    /// <summary>SHA-256 (hex) of the VQ weights the model was trained on, so it never decodes with another tokenizer.</summary>
    public string? VqSha256 { get; init; }

    /// <summary>Windows per image side.</summary>
    [JsonIgnore] public int WindowGrid => GridSize / Shuffle;

    /// <summary>AR positions of one image: (GridSize / s)².</summary>
    [JsonIgnore] public int Windows => WindowGrid * WindowGrid;

    /// <summary>Codes per window: s².</summary>
    [JsonIgnore] public int WindowSize => Shuffle * Shuffle;

    /// <summary>The decoder's shape: image vocabulary, 2D RoPE over the window grid after the condition prefix.</summary>
    [JsonIgnore]
    public TransformerConfig Transformer => new(Dim, NLayer, NHead, NHead, CodebookSize, MultipleOf, MaxSeqLen: ConditionLength + Windows)
    {
        Rope = RopeAxesInEffect == 1 ? RotarySpec.OneD() : RotarySpec.TwoD(WindowGrid, prefixLength: ConditionLength, prefix: ConditionRotation),
    };

    /// <summary>LlamaGen's class-conditioned GPT-B (12 layers, 12 heads, 768 wide) on 16x16 VQ_16 tokens.</summary>
    public static TokenShuffleConfig LlamaGenGptB { get; } = new()
    {
        Dim = 768, NLayer = 12, NHead = 12, CodebookSize = 16384, GridSize = 16, Shuffle = 1,
        ConditionVocabSize = 1001, ConditionLength = 1, ConditionRotation = PrefixRotation.Zero,
    };

    /// <summary>
    /// D-AR's public GPT-L (showlab/D-AR, LlamaGen's GPT-L: 24 layers, 16 heads, 1024 wide) over the 256 tokens of D-AR tokenizer v1
    /// (16384 codes), class-conditioned, with 1D RoPE over all positions.
    /// </summary>
    public static TokenShuffleConfig DArGptL { get; } = new()
    {
        Dim = 1024, NLayer = 24, NHead = 16, CodebookSize = 16384, GridSize = 16, Shuffle = 1, RopeAxes = 1,
        ConditionVocabSize = 1001, ConditionLength = 1, ConditionRotation = PrefixRotation.Identity,
    };

    /// <summary>Throws an <see cref="ArgumentException"/> naming the first inconsistent field.</summary>
    public void Validate()
    {
        Require(Shuffle is 1 or 2 or 4, $"shuffle must be 1, 2 or 4, got {Shuffle}");
        Require(GridSize > 0 && GridSize % Shuffle == 0, $"grid size {GridSize} must be a positive multiple of shuffle {Shuffle}");
        Require(Dim % (Shuffle * Shuffle) == 0, $"dim {Dim} must be divisible by shuffle² {Shuffle * Shuffle}");
        Require(ShuffleBlocks >= 0, "shuffle_blocks must be non-negative");
        Require(RopeAxesInEffect is 1 or 2, $"rope_axes must be 1 or 2, got {RopeAxes}");
        Require(RopeAxesInEffect == 2 || Shuffle == 1, "1D RoPE (rope_axes 1) is for plain token sequences (shuffle 1)");
        Require(ConditionVocabSize > 0 && ConditionLength > 0, "condition_vocab_size and condition_length must be positive");
        Transformer.Validate();
    }

    /// <summary>The config as <c>config.json</c> text (snake_case).</summary>
    public string ToJson() => ModelConfigJson.Write(this);

    /// <summary>Parses and validates <c>config.json</c> text.</summary>
    public static TokenShuffleConfig FromJson(string json)
    {
        var config = JsonSerializer.Deserialize<TokenShuffleConfig>(json, ModelConfigJson.Options) ?? throw new ArgumentException("The config JSON is empty.");
        config.Validate();
        return config;
    }

    static void Require(bool ok, string message)
    {
        if (!ok) throw new ArgumentException($"Invalid Token-Shuffle config: {message}.");
    }
}
