namespace Media.Modeling.Transformers;

/// <summary>Which feature dimensions form a rotated pair.</summary>
public enum RotaryPairing
{
    /// <summary>Neighbours (2i, 2i+1): GPT-J, Meta Llama, LlamaGen.</summary>
    Interleaved,

    /// <summary>Halves (i, i + d/2): GPT-NeoX, Hugging Face Llama.</summary>
    RotateHalf,
}

/// <summary>How the prefix (condition) positions are rotated.</summary>
public enum PrefixRotation
{
    /// <summary>Prefix positions are left as they are (angle 0).</summary>
    Identity,

    /// <summary>
    /// LlamaGen's quirk: cos and sin are zero on the condition positions, so their queries and keys
    /// become zero vectors. A port of LlamaGen checkpoints must copy this.
    /// </summary>
    Zero,
}

/// <summary>
/// Rotary position embedding layout. 1D rotates every pair by <c>position * base^(-2i/d)</c>. 2D (LlamaGen)
/// splits the head in halves, rotating the first by the grid row and the second by the grid column,
/// with each half a 1D RoPE of width d/2 and the grid flattened row-major. The first
/// <see cref="PrefixLength"/> positions are the condition prefix; content position k (counted after
/// the prefix) gets angle k in 1D and cell (k / grid, k % grid) in 2D.
/// </summary>
public sealed record RotarySpec
{
    /// <summary>1 or 2 axes.</summary>
    public int Axes { get; init; } = 1;

    /// <summary>Side of the square token grid (2D only).</summary>
    public int GridSize { get; init; }

    /// <summary>Pair convention.</summary>
    public RotaryPairing Pairing { get; init; } = RotaryPairing.Interleaved;

    /// <summary>Number of condition positions before the content.</summary>
    public int PrefixLength { get; init; }

    /// <summary>Rotation of the condition positions.</summary>
    public PrefixRotation Prefix { get; init; } = PrefixRotation.Identity;

    /// <summary>Plain 1D RoPE over every position (prefix 0) unless a prefix is given.</summary>
    public static RotarySpec OneD(RotaryPairing pairing = RotaryPairing.Interleaved, int prefixLength = 0,
        PrefixRotation prefix = PrefixRotation.Identity) =>
        new() { Axes = 1, Pairing = pairing, PrefixLength = prefixLength, Prefix = prefix };

    /// <summary>LlamaGen 2D RoPE over a <paramref name="gridSize"/> x <paramref name="gridSize"/> grid after a prefix.</summary>
    public static RotarySpec TwoD(int gridSize, RotaryPairing pairing = RotaryPairing.Interleaved, int prefixLength = 0,
        PrefixRotation prefix = PrefixRotation.Identity) =>
        new() { Axes = 2, GridSize = gridSize, Pairing = pairing, PrefixLength = prefixLength, Prefix = prefix };

    /// <summary>Throws an <see cref="ArgumentException"/> when this layout cannot cover a head or a length.</summary>
    public void Validate(int headDim, int maxSeqLen)
    {
        if (Axes is not (1 or 2)) throw new ArgumentException($"RoPE axes must be 1 or 2, got {Axes}.");
        if (PrefixLength < 0) throw new ArgumentException($"RoPE prefix length must be non-negative, got {PrefixLength}.");
        if (headDim % (2 * Axes) != 0)
            throw new ArgumentException($"{Axes}D RoPE needs a head dim divisible by {2 * Axes}, got {headDim}.");
        if (Axes == 2)
        {
            if (GridSize <= 0) throw new ArgumentException($"2D RoPE needs a positive grid size, got {GridSize}.");
            if (maxSeqLen > PrefixLength + GridSize * GridSize)
                throw new ArgumentException(
                    $"max_seq_len {maxSeqLen} exceeds the 2D RoPE table: prefix {PrefixLength} + grid {GridSize}x{GridSize}.");
        }
    }
}
