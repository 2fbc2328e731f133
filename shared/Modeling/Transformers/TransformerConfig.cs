using System.Text.Json.Serialization;

namespace Media.Modeling.Transformers;

/// <summary>
/// Shape of a Llama-family decoder as LlamaGen's <c>ModelArgs</c> describes it: width, depth, heads
/// (grouped-query when <see cref="NKvHead"/> is below <see cref="NHead"/>), vocabulary, the SwiGLU
/// width rule, RMSNorm epsilon, RoPE and the longest sequence the position tables cover.
/// </summary>
public sealed record TransformerConfig(
    int Dim,
    int NLayer,
    int NHead,
    int NKvHead,
    int VocabSize,
    int MultipleOf = 256,
    double NormEps = 1e-5,
    double RopeBase = 10000,
    bool AttentionBias = false,
    bool FeedForwardBias = false,
    bool OutputBias = false,
    int MaxSeqLen = 2048)
{
    /// <summary>Which RoPE (1D or 2D), which pair convention, and how prefix positions rotate.</summary>
    public RotarySpec Rope { get; init; } = RotarySpec.OneD();

    /// <summary>
    /// Whether every block also cross-attends to an encoder memory (<see cref="CrossMemory"/>) after its self-attention,
    /// as SongGen's and MusicGen's decoders do.
    /// </summary>
    public bool CrossAttention { get; init; }

    /// <summary>Width of one attention head.</summary>
    public int HeadDim => Dim / NHead;

    /// <summary>An explicit SwiGLU hidden width (Hugging Face Llama's <c>intermediate_size</c>), instead of the multiple-of rule.</summary>
    /// <remarks>Left out of JSON when unset, so configs written before it existed (model folders, pinned run configs) read and compare as before.</remarks>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public int? IntermediateSize { get; init; }

    /// <summary>SwiGLU hidden width: <see cref="IntermediateSize"/> when set, else LlamaGen's <c>find_multiple(int(2 * 4 * dim / 3), multiple_of)</c>.</summary>
    public int FeedForwardHidden => IntermediateSize ?? FindMultiple(2 * 4 * Dim / 3, MultipleOf);

    /// <summary>The smallest multiple of <paramref name="k"/> that is at least <paramref name="n"/>.</summary>
    public static int FindMultiple(int n, int k) => n % k == 0 ? n : n + k - n % k;

    /// <summary>Throws an <see cref="ArgumentException"/> naming the first inconsistent field.</summary>
    public void Validate()
    {
        Require(Dim > 0 && NLayer > 0 && NHead > 0 && NKvHead > 0 && VocabSize > 0 && MultipleOf > 0 && MaxSeqLen > 0,
            "dim, n_layer, n_head, n_kv_head, vocab_size, multiple_of and max_seq_len must be positive");
        Require(Dim % NHead == 0, $"dim {Dim} must be divisible by n_head {NHead}");
        Require(NKvHead <= NHead && NHead % NKvHead == 0, $"n_head {NHead} must be a multiple of n_kv_head {NKvHead}");
        Require(NormEps > 0, "norm_eps must be positive");
        Require(IntermediateSize is null or > 0, "intermediate_size must be positive");
        Rope.Validate(HeadDim, MaxSeqLen);
    }

    static void Require(bool ok, string message)
    {
        if (!ok) throw new ArgumentException($"Invalid transformer config: {message}.");
    }
}
