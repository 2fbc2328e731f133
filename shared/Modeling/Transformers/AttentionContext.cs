using static TorchSharp.torch;

namespace Media.Modeling.Transformers;

/// <summary>
/// What every attention layer of one forward pass shares: the RoPE angles of the queries, the mask,
/// and, when decoding incrementally, where the new keys and values go in the KV cache.
/// Built by <see cref="DecoderTransformer"/>; the tensors belong to the caller's dispose scope.
/// </summary>
public sealed class AttentionContext
{
    internal AttentionContext(RotaryEmbedding rope, Tensor cos, Tensor sin, Tensor? mask, bool isCausal)
    {
        Rope = rope;
        Cos = cos;
        Sin = sin;
        Mask = mask;
        IsCausal = isCausal;
    }

    /// <summary>
    /// A fused pass over several cached segments laid out one after another along time in a [1, N, dim] input; each
    /// segment keeps its own context (the fields of the fused context itself are those of the first segment).
    /// </summary>
    internal static AttentionContext Fused(IReadOnlyList<AttentionContext> segments)
    {
        var first = segments[0];
        return new AttentionContext(first.Rope, first.Cos, first.Sin, first.Mask, first.IsCausal)
        {
            Cache = first.Cache,
            Segments = segments,
        };
    }

    /// <summary>The rotation shared by all layers.</summary>
    public RotaryEmbedding Rope { get; }

    /// <summary>cos per query position, [batch, 1, time, head_dim].</summary>
    public Tensor Cos { get; }

    /// <summary>sin per query position, [batch, 1, time, head_dim].</summary>
    public Tensor Sin { get; }

    /// <summary>Boolean [batch, 1, time, keys] mask (true = attend), or null with <see cref="IsCausal"/>.</summary>
    public Tensor? Mask { get; }

    /// <summary>Plain causal attention over the keys of this pass (lets SDPA skip the mask).</summary>
    public bool IsCausal { get; }

    /// <summary>The cache written and read by this pass, or null for a full forward.</summary>
    public KvCache? Cache { get; internal init; }

    /// <summary>Cache slot of every row, long [batch].</summary>
    public Tensor? SlotIndex { get; internal init; }

    /// <summary>First slot when the rows' slots are consecutive and ascending (the cache is then read as a view).</summary>
    public int? FirstSlot { get; internal init; }

    /// <summary>The length every row's slot held before this pass, when it is the same for all rows (the write is then a slice).</summary>
    public int? CommonStart { get; internal init; }

    /// <summary>Cache index of every new token, long [batch, time].</summary>
    public Tensor? WritePositions { get; internal init; }

    /// <summary>Keys read back from the cache per row: the longest row's length after this pass.</summary>
    public long KeyLength { get; internal init; }

    /// <summary>
    /// Set for a fused pass (<see cref="DecoderTransformer.HiddenCachedFused"/>): the input is [1, N, dim], the positions of
    /// these segments in order, each segment's rows and time given by its <see cref="WritePositions"/>.
    /// </summary>
    public IReadOnlyList<AttentionContext>? Segments { get; internal init; }

    /// <summary>The encoder memory of a full pass for cross-attending blocks (a cached pass reads the cache's instead).</summary>
    public CrossMemory? Memory { get; internal init; }

    /// <summary>Boolean [batch, 1, 1, memory] mask of the memory positions a cross-attending block may read; null: all.</summary>
    public Tensor? MemoryMask { get; internal init; }

    /// <summary>Memory positions a cached pass reads from the cache per row (the longest row's memory).</summary>
    public int MemoryReadLength { get; internal init; }
}
