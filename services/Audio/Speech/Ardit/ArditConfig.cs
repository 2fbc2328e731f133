using System.Text.Json.Serialization;
using Media.Modeling.Layers;
using Media.Modeling.Transformers;

namespace Media.Services.Audio.Speech.Ardit;

/// <summary>
/// Shape of an ARDiT model: the latent stream it generates (width, frame rate), the block size B of
/// latent vectors generated per autoregressive step, the transformer's width and depth, and the
/// longest text and latent sequences it accepts.
/// </summary>
public sealed record ArditConfig
{
    [JsonPropertyName("latent_dim")] public int LatentDim { get; init; } = 16;
    [JsonPropertyName("frame_rate")] public double FrameRate { get; init; } = 23.4375;
    [JsonPropertyName("block_size")] public int BlockSize { get; init; } = 4;
    [JsonPropertyName("vocab_size")] public int VocabSize { get; init; } = 64;
    [JsonPropertyName("dim")] public int Dim { get; init; } = 128;
    [JsonPropertyName("n_layer")] public int NLayer { get; init; } = 4;
    [JsonPropertyName("n_head")] public int NHead { get; init; } = 4;
    [JsonPropertyName("max_text_length")] public int MaxTextLength { get; init; } = 200;
    [JsonPropertyName("max_frames")] public int MaxFrames { get; init; } = 400;
    [JsonPropertyName("rope_base")] public double RopeBase { get; init; } = 10000;
    [JsonPropertyName("norm_eps")] public double NormEps { get; init; } = 1e-5;

    /// <summary>
    /// Where text tokens sit on the frame axis: "uniform" (token i of L at frame (i + 1/2) N / L, as if every character
    /// took as long) or "aligned" (at the frame the character is spoken: recognizer alignments in training, the
    /// model's <see cref="TextTimingPredictor"/> in generation).
    /// </summary>
    [JsonPropertyName("text_timing")] public string TextTiming { get; init; } = Uniform;

    /// <summary>Text tokens at a uniform rate.</summary>
    public const string Uniform = "uniform";

    /// <summary>Text tokens at their spoken frames, with a timing predictor.</summary>
    public const string Aligned = "aligned";

    /// <summary>Whether the model carries a <see cref="TextTimingPredictor"/>.</summary>
    [JsonIgnore] public bool IsAligned => TextTiming == Aligned;

    /// <summary>Width of one attention head.</summary>
    [JsonIgnore] public int HeadDim => Dim / NHead;

    /// <summary>Positions RoPE must cover: all text then all latent frames.</summary>
    [JsonIgnore] public int MaxPositions => MaxTextLength + MaxFrames;

    /// <summary>The feed-forward sizes in the shared decoder's terms (SwiGLU width rule).</summary>
    internal TransformerConfig FeedForwardShape => new(Dim, NLayer, NHead, NHead, VocabSize, MultipleOf: 32, NormEps: NormEps);

    /// <summary>Each layer is the shared adaLN block with RMSNorm, bias-free attention and the SwiGLU feed-forward.</summary>
    internal DiTBlockOptions BlockOptions => new(Dim, NHead) { SwiGluShape = FeedForwardShape, RmsNormEps = NormEps, AttentionBias = false };

    /// <summary>Throws an <see cref="ArgumentException"/> naming the first inconsistent field.</summary>
    public void Validate()
    {
        Require(LatentDim > 0 && BlockSize > 0 && VocabSize > 0 && Dim > 0 && NLayer > 0 && NHead > 0,
            "latent_dim, block_size, vocab_size, dim, n_layer and n_head must be positive");
        Require(FrameRate > 0, "frame_rate must be positive");
        Require(Dim % NHead == 0 && HeadDim % 2 == 0, $"dim {Dim} must split into n_head {NHead} heads of even width");
        Require(MaxTextLength > 0 && MaxFrames > 0, "max_text_length and max_frames must be positive");
        Require(TextTiming is Uniform or Aligned, $"text_timing must be \"{Uniform}\" or \"{Aligned}\", not \"{TextTiming}\"");
    }

    static void Require(bool ok, string message)
    {
        if (!ok) throw new ArgumentException($"Invalid ARDiT config: {message}.");
    }
}
