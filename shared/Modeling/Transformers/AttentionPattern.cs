using TorchSharp;
using static TorchSharp.torch;

namespace Media.Modeling.Transformers;

/// <summary>
/// Which key positions a query position may attend to, as a rule on absolute positions so the same
/// pattern serves a full forward pass and incremental decoding over a KV cache.
/// </summary>
public abstract record AttentionPattern
{
    /// <summary>Position i attends to j iff j &lt;= i.</summary>
    public static AttentionPattern Causal { get; } = new CausalPattern();

    /// <summary>The first <paramref name="prefixLength"/> positions attend to each other freely; the rest is causal.</summary>
    public static AttentionPattern PrefixBidirectional(int prefixLength) => new PrefixBidirectionalPattern(prefixLength);

    /// <summary>Blocks of <paramref name="blockSize"/> positions: i attends to j iff block(j) &lt;= block(i).</summary>
    public static AttentionPattern BlockCausal(int blockSize) => new BlockCausalPattern(blockSize);

    /// <summary>
    /// Elementwise rule on broadcastable long tensors of query and key positions; true where attention is allowed
    /// (the boolean convention of <c>scaled_dot_product_attention</c>).
    /// </summary>
    public abstract Tensor Allowed(Tensor queryPositions, Tensor keyPositions);

    /// <summary>The boolean [length, length] mask over positions 0..length-1.</summary>
    public Tensor Mask(long length, Device? device = null)
    {
        using var scope = NewDisposeScope();
        var p = arange(length, ScalarType.Int64, device);
        return Allowed(p.unsqueeze(1), p.unsqueeze(0)).MoveToOuterDisposeScope();
    }

    /// <summary>The additive form of a boolean mask: 0 where allowed, -inf where not.</summary>
    public static Tensor Additive(Tensor allowed, ScalarType dtype = ScalarType.Float32)
    {
        ArgumentNullException.ThrowIfNull(allowed);
        using var scope = NewDisposeScope();
        var blocked = full(allowed.shape, float.NegativeInfinity, dtype, allowed.device);
        return where(allowed, zeros_like(blocked), blocked).MoveToOuterDisposeScope();
    }

    sealed record CausalPattern : AttentionPattern
    {
        public override Tensor Allowed(Tensor queryPositions, Tensor keyPositions) => keyPositions.le(queryPositions);
    }

    sealed record PrefixBidirectionalPattern : AttentionPattern
    {
        readonly long prefixLength;

        public PrefixBidirectionalPattern(int prefixLength)
        {
            ArgumentOutOfRangeException.ThrowIfNegative(prefixLength);
            this.prefixLength = prefixLength;
        }

        // j < prefix lets a prefix query see later prefix keys; content keys (j >= prefix > i) stay hidden from it.
        public override Tensor Allowed(Tensor queryPositions, Tensor keyPositions)
        {
            using var scope = NewDisposeScope();
            return keyPositions.le(queryPositions).logical_or(keyPositions.lt(prefixLength)).MoveToOuterDisposeScope();
        }
    }

    sealed record BlockCausalPattern : AttentionPattern
    {
        readonly long blockSize;

        public BlockCausalPattern(int blockSize)
        {
            ArgumentOutOfRangeException.ThrowIfNegativeOrZero(blockSize);
            this.blockSize = blockSize;
        }

        public override Tensor Allowed(Tensor queryPositions, Tensor keyPositions)
        {
            using var scope = NewDisposeScope();
            var qb = queryPositions.div(blockSize, rounding_mode: RoundingMode.floor);
            var kb = keyPositions.div(blockSize, rounding_mode: RoundingMode.floor);
            return kb.le(qb).MoveToOuterDisposeScope();
        }
    }
}
