using Media.Modeling.Transformers;
using static TorchSharp.torch;

namespace Media.Modeling.Tests.Transformers;

public sealed class AttentionPatternTests
{
    static void AssertMatches(AttentionPattern pattern, int length, Func<int, int, bool> definition)
    {
        using var scope = NewDisposeScope();
        var mask = pattern.Mask(length);
        Assert.Equal(new long[] { length, length }, mask.shape);
        Assert.Equal(ScalarType.Bool, mask.dtype);
        var values = mask.reshape(-1).data<bool>().ToArray();
        for (int i = 0; i < length; i++)
            for (int j = 0; j < length; j++)
                Assert.True(definition(i, j) == values[i * length + j], $"query {i}, key {j}");
    }

    [Fact]
    public void Causal_mask_lets_position_i_see_exactly_the_positions_up_to_i() =>
        AssertMatches(AttentionPattern.Causal, 9, (i, j) => j <= i);

    [Theory]
    [InlineData(3, 10)]
    [InlineData(1, 6)]
    [InlineData(0, 5)]
    public void Prefix_bidirectional_mask_opens_the_prefix_both_ways_and_keeps_the_rest_causal(int prefix, int length) =>
        AssertMatches(AttentionPattern.PrefixBidirectional(prefix), length, (i, j) => (i < prefix && j < prefix) || j <= i);

    [Theory]
    [InlineData(3, 10)]
    [InlineData(4, 8)]
    [InlineData(1, 5)]
    public void Block_causal_mask_matches_its_definition(int block, int length)
    {
        AssertMatches(AttentionPattern.BlockCausal(block), length, (i, j) =>
        {
            // Naive: walk to the block starts instead of dividing.
            int bi = 0, bj = 0;
            for (int s = block; s <= i; s += block) bi++;
            for (int s = block; s <= j; s += block) bj++;
            return bj <= bi;
        });
    }

    [Fact]
    public void Additive_mask_is_zero_where_allowed_and_minus_infinity_elsewhere()
    {
        using var scope = NewDisposeScope();
        var allowed = AttentionPattern.Causal.Mask(4);
        var additive = AttentionPattern.Additive(allowed).reshape(-1).data<float>().ToArray();
        var flags = allowed.reshape(-1).data<bool>().ToArray();
        for (int i = 0; i < flags.Length; i++)
            Assert.Equal(flags[i] ? 0f : float.NegativeInfinity, additive[i]);
    }

    [Fact]
    public void Boolean_and_additive_masks_give_the_same_attention()
    {
        using var scope = NewDisposeScope();
        var q = TinyDecoder.RandomNormal([2, 3, 7, 8], seed: 1);
        var k = TinyDecoder.RandomNormal([2, 3, 7, 8], seed: 2);
        var v = TinyDecoder.RandomNormal([2, 3, 7, 8], seed: 3);
        var allowed = AttentionPattern.BlockCausal(3).Mask(7);
        var withBool = nn.functional.scaled_dot_product_attention(q, k, v, allowed);
        var withAdditive = nn.functional.scaled_dot_product_attention(q, k, v, AttentionPattern.Additive(allowed));
        Assert.True(TinyDecoder.MaxAbsDiff(withBool, withAdditive) < 1e-6);
        // And both differ from plain causal attention, which this block pattern is not.
        Assert.True(TinyDecoder.MaxAbsDiff(withBool, nn.functional.scaled_dot_product_attention(q, k, v, is_casual: true)) > 1e-3);
    }

    [Fact]
    public void A_block_size_of_zero_is_rejected() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => AttentionPattern.BlockCausal(0));
}
