using Media.Modeling.Transformers;
using static TorchSharp.torch;

namespace Media.Modeling.Tests.Transformers;

public sealed class KvCacheWriteTests
{
    /// <summary>
    /// ARDiT steps an utterance's finished block and its next noisy block as two rows of one slot: the leading rows, in
    /// consecutive slots, are read as a view and the repeated slot's row is gathered, and that row must see the keys the
    /// other row of its slot wrote in the same pass.
    /// </summary>
    [Theory]
    [InlineData(2)]
    [InlineData(1)]   // grouped-query attention: one key/value head for two query heads
    public void Leading_consecutive_slots_read_as_a_view_and_a_second_row_of_a_slot_sees_the_first_rows_keys(int kvHeads)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        manual_seed(3);
        var attention = new Attention(16, 2, kvHeads);
        using var cache = new KvCache(1, 4, kvHeads, 16, 8);
        var prefill = randn(4, 5, 16);
        Tensor pastKeys, pastValues;
        using (var write = new KvCacheWrite(cache, [0, 1, 2, 3], [0, 0, 0, 0], 5, 5))
            (_, pastKeys, pastValues) = attention.Attend(prefill, new AttentionInputs { CacheWrite = write });

        // Rows 0-2 write positions 5-7 of slots 0-2; row 3, slot 1 again, writes 8-10 and also reads row 1's 5-7.
        var x = randn(4, 3, 16);
        var key = arange(11).view(1, 1, 1, -1);
        var mask = key.lt(tensor(new long[] { 8, 8, 8, 11 }).view(-1, 1, 1, 1));
        using var split = new KvCacheWrite(cache, [0, 1, 2, 1], [5, 5, 5, 8], 3, 11);
        Assert.Equal(3, split.ViewRows);
        var (output, keys, values) = attention.Attend(x, new AttentionInputs { CacheWrite = split, Mask = mask });

        Tensor Alone(int row, Tensor past, Tensor pastV) =>
            attention.Attend(x.narrow(0, row, 1), new AttentionInputs { PastKeys = past, PastValues = pastV }).Output;
        for (int r = 0; r < 3; r++)
        {
            var expected = Alone(r, pastKeys.narrow(0, r, 1), pastValues.narrow(0, r, 1));
            Assert.True(output.narrow(0, r, 1).allclose(expected, rtol: 1e-5, atol: 1e-6), $"row {r}");
        }
        var afterRowOne = Alone(3, cat([pastKeys.narrow(0, 1, 1), keys.narrow(0, 1, 1)], 2), cat([pastValues.narrow(0, 1, 1), values.narrow(0, 1, 1)], 2));
        Assert.True(output.narrow(0, 3, 1).allclose(afterRowOne, rtol: 1e-5, atol: 1e-6), "row 3 (slot 1 again)");
    }

    [Fact]
    public void Rows_of_one_slot_that_would_write_overlapping_positions_are_refused()
    {
        using var cache = new KvCache(1, 4, 2, 16, 8);
        Assert.Throws<ArgumentException>(() => new KvCacheWrite(cache, [0, 1, 1], [5, 5, 7], 3, 10));
        using var apart = new KvCacheWrite(cache, [0, 1, 1], [5, 5, 8], 3, 11);
        Assert.Equal(2, apart.ViewRows);
    }
}
