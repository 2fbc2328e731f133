using Media.Modeling.Transformers;
using TorchSharp;
using static TorchSharp.torch;

namespace Media.Modeling.Tests.Transformers;

public sealed class KvCacheTests
{
    const double Tolerance = 1e-5;

    /// <summary>
    /// Feeds each row of <paramref name="x"/> [rows, time, dim] through the cache, row r starting with a prefill of
    /// prefill[r] positions then decoding all rows together one position per step (rows at different positions),
    /// and returns the largest difference from the full forward pass at every position reached.
    /// </summary>
    static double CachedVersusFull(DecoderTransformer model, Tensor x, int[] prefill)
    {
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        var full = model.ForwardFull(x);
        long rows = x.shape[0], time = x.shape[1];
        using var cache = model.CreateCache(slots: (int)rows + 1);
        cache.Allocate(); // occupy slot 0 so the rows' slots are not 0, 1, ... (exercises the gathered read)
        var slots = Enumerable.Range(0, (int)rows).Select(_ => cache.Allocate().Slots[0]).Reverse().ToArray();
        double worst = 0;
        for (int r = 0; r < rows; r++)
        {
            var logits = model.ForwardCached(x[r..(r + 1), ..prefill[r]], cache, [slots[r]]);
            worst = Math.Max(worst, TinyDecoder.MaxAbsDiff(logits, full[r..(r + 1), ..prefill[r]]));
        }
        for (int step = 0; prefill.Max() + step < time; step++)
        {
            var active = Enumerable.Range(0, (int)rows).Where(r => prefill[r] + step < time).ToArray();
            var input = stack(active.Select(r => x[r, prefill[r] + step]).ToArray()).unsqueeze(1);
            var logits = model.ForwardCached(input, cache, active.Select(r => slots[r]).ToArray());
            for (int i = 0; i < active.Length; i++)
            {
                int r = active[i];
                worst = Math.Max(worst, TinyDecoder.MaxAbsDiff(logits[i, 0], full[r, prefill[r] + step]));
            }
        }
        return worst;
    }

    [Theory]
    [InlineData(RotaryPairing.Interleaved)]
    [InlineData(RotaryPairing.RotateHalf)]
    public void Cached_decoding_with_one_d_rope_equals_the_full_forward_pass_for_rows_at_different_positions(RotaryPairing pairing)
    {
        using var model = TinyDecoder.Create(TinyDecoder.Config(RotarySpec.OneD(pairing)));
        using var x = model.Embed(TinyDecoder.RandomTokens(3, 14, 50, seed: 21));
        Assert.True(CachedVersusFull(model, x, [5, 1, 9]) < Tolerance);
    }

    [Theory]
    [InlineData(RotaryPairing.Interleaved, PrefixRotation.Zero)]
    [InlineData(RotaryPairing.RotateHalf, PrefixRotation.Identity)]
    public void Cached_decoding_with_two_d_rope_equals_the_full_forward_pass(RotaryPairing pairing, PrefixRotation prefix)
    {
        // A LlamaGen-style layout: 2 condition embeddings, then a 4x4 token grid.
        var config = TinyDecoder.Config(RotarySpec.TwoD(4, pairing, prefixLength: 2, prefix), maxSeqLen: 18);
        using var model = TinyDecoder.Create(config);
        using var x = TinyDecoder.RandomNormal([2, 18, 32], seed: 22);
        Assert.True(CachedVersusFull(model, x, [2, 7]) < Tolerance);
    }

    [Fact]
    public void Freed_slots_go_out_lowest_first_so_running_sequences_stay_packed_in_order()
    {
        using var cache = new KvCache(layers: 1, slots: 8, kvHeads: 1, maxLength: 4, headDim: 2);
        var pairs = Enumerable.Range(0, 4).Select(_ => cache.AllocatePair()).ToArray();
        Assert.Equal([[0, 1], [2, 3], [4, 5], [6, 7]], pairs.Select(p => p.Slots.ToArray()));
        // Sequences finish in any order; the next ones fill the lowest gaps, each pair in ascending order, so a batch
        // sorted by slot reads one run of consecutive slots.
        cache.Free(pairs[0]);
        cache.Free(pairs[2]);
        cache.Free(pairs[1]);
        Assert.Equal([0, 1], cache.AllocatePair().Slots);
        Assert.Equal([2, 3], cache.AllocatePair().Slots);
        Assert.Equal([4], cache.Allocate().Slots);
        Assert.Equal(1, cache.FreeSlotCount);
    }

    [Fact]
    public void Chunked_prefill_then_decoding_equals_the_full_forward_pass()
    {
        using var model = TinyDecoder.Create();
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        var tokens = TinyDecoder.RandomTokens(1, 13, 50, seed: 23);
        var full = model.forward(tokens);
        using var cache = model.CreateCache(2);
        var slot = cache.Allocate().Slots;
        int at = 0;
        foreach (int chunk in new[] { 3, 3, 3, 1, 1, 1, 1 })
        {
            var logits = model.ForwardCached(model.Embed(tokens[.., at..(at + chunk)]), cache, slot);
            Assert.True(TinyDecoder.MaxAbsDiff(logits, full[.., at..(at + chunk)]) < Tolerance, $"chunk at {at}");
            at += chunk;
        }
        Assert.Equal(13, cache.Length(slot[0]));
    }

    [Fact]
    public void Block_causal_decoding_by_whole_blocks_equals_the_full_forward_pass()
    {
        using var model = TinyDecoder.Create();
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        var pattern = AttentionPattern.BlockCausal(4);
        var x = TinyDecoder.RandomNormal([1, 12, 32], seed: 24);
        var full = model.ForwardFull(x, pattern: pattern);
        using var cache = model.CreateCache(1);
        var slot = cache.Allocate().Slots;
        for (int at = 0; at < 12; at += 4)
            Assert.True(TinyDecoder.MaxAbsDiff(model.ForwardCached(x[.., at..(at + 4)], cache, slot, pattern), full[.., at..(at + 4)]) < Tolerance);
    }

    [Fact]
    public void Batched_block_causal_rows_never_attend_to_unwritten_positions_of_their_block()
    {
        // Row 0 is 6 positions ahead, so the batch reads keys past row 1's length; those sit in row 1's
        // current block, which the block-causal rule alone would let it attend to.
        using var model = TinyDecoder.Create();
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        var pattern = AttentionPattern.BlockCausal(4);
        var x = TinyDecoder.RandomNormal([2, 12, 32], seed: 29);
        using var batched = model.CreateCache(2);
        using var alone = model.CreateCache(2);
        int[] lengths = [7, 1];
        var slots = new[] { batched.Allocate().Slots[0], batched.Allocate().Slots[0] };
        var aloneSlots = new[] { alone.Allocate().Slots[0], alone.Allocate().Slots[0] };
        for (int r = 0; r < 2; r++)
        {
            model.ForwardCached(x[r..(r + 1), ..lengths[r]], batched, [slots[r]], pattern);
            model.ForwardCached(x[r..(r + 1), ..lengths[r]], alone, [aloneSlots[r]], pattern);
        }
        for (int step = 0; step < 5; step++)
        {
            var input = stack([x[0, lengths[0] + step], x[1, lengths[1] + step]]).unsqueeze(1);
            var together = model.ForwardCached(input, batched, slots, pattern);
            for (int r = 0; r < 2; r++)
            {
                var own = model.ForwardCached(input[r..(r + 1)], alone, [aloneSlots[r]], pattern);
                Assert.True(TinyDecoder.MaxAbsDiff(together[r..(r + 1)], own) < Tolerance, $"row {r}, step {step}");
            }
        }
    }

    [Fact]
    public void A_freed_and_reused_slot_gives_the_same_results_as_a_fresh_cache()
    {
        using var model = TinyDecoder.Create();
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        var first = model.Embed(TinyDecoder.RandomTokens(1, 12, 50, seed: 25));
        var second = model.Embed(TinyDecoder.RandomTokens(1, 6, 50, seed: 26));

        using var fresh = model.CreateCache(1);
        var expected = model.ForwardCached(second, fresh, fresh.Allocate().Slots);

        using var reused = model.CreateCache(1);
        var group = reused.Allocate();
        model.ForwardCached(first, reused, group.Slots); // leaves 12 stale positions behind
        reused.Free(group);
        var again = reused.Allocate();
        Assert.Equal(group.Slots, again.Slots);
        Assert.Equal(0, reused.Length(again.Slots[0]));
        Assert.True(TinyDecoder.MaxAbsDiff(model.ForwardCached(second, reused, again.Slots), expected) < 1e-6);
    }

    [Fact]
    public void A_cfg_pair_is_allocated_stepped_and_freed_as_one_unit()
    {
        using var model = TinyDecoder.Create();
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        using var cache = model.CreateCache(3);
        var pair = cache.AllocatePair();
        Assert.Equal(2, pair.Slots.Count);
        Assert.Equal(1, cache.FreeSlotCount);
        // A second pair does not fit: nothing is taken, the single free slot stays free.
        Assert.False(cache.TryAllocate(2, out _));
        Assert.Throws<InvalidOperationException>(() => cache.AllocatePair());
        Assert.Equal(1, cache.FreeSlotCount);

        // Stepped together: [cond; uncond] rows in one pass equal each sequence on its own.
        var cond = model.Embed(TinyDecoder.RandomTokens(1, 5, 50, seed: 27));
        var uncond = model.Embed(TinyDecoder.RandomTokens(1, 5, 50, seed: 28));
        var both = model.ForwardCached(cat([cond, uncond], 0), cache, pair.Slots);
        Assert.True(TinyDecoder.MaxAbsDiff(both[0], model.ForwardFull(cond)[0]) < Tolerance);
        Assert.True(TinyDecoder.MaxAbsDiff(both[1], model.ForwardFull(uncond)[0]) < Tolerance);

        cache.Free(pair);
        Assert.Equal(3, cache.FreeSlotCount);
        Assert.Throws<InvalidOperationException>(() => cache.Free(pair)); // freed twice
        Assert.Throws<ArgumentException>(() => cache.Length(pair.Slots[0]));
    }

    [Fact]
    public void Appending_past_the_cache_length_fails_with_a_clear_message()
    {
        using var model = TinyDecoder.Create();
        using var scope = NewDisposeScope();
        using var cache = model.CreateCache(1, maxLength: 4);
        var slot = cache.Allocate().Slots;
        model.ForwardCached(zeros(1, 3, 32), cache, slot);
        var ex = Assert.Throws<ArgumentException>(() => model.ForwardCached(zeros(1, 2, 32), cache, slot));
        Assert.Contains("exceed the limit of 4", ex.Message, StringComparison.Ordinal);
        Assert.Equal(3, cache.Length(slot[0]));
    }
}
