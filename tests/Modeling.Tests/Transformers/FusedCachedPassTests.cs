using Media.Modeling.Transformers;
using static TorchSharp.torch;

namespace Media.Modeling.Tests.Transformers;

public sealed class FusedCachedPassTests
{
    [Fact]
    public void A_fused_pass_of_a_decode_step_and_prefill_chunks_equals_the_separate_passes()
    {
        using var model = TinyDecoder.Create(TinyDecoder.Config(), seed: 8);
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        var x = model.Embed(TinyDecoder.RandomTokens(5, 12, 50, seed: 9));
        using var fusedCache = model.CreateCache(slots: 6);
        using var separateCache = model.CreateCache(slots: 6);
        // Rows 0-2 have a history (different lengths) and decode one position; row 3 prefills its first 5 positions, row 4 its first 2.
        int[] history = [6, 3, 9];
        var fusedSlots = Enumerable.Range(0, 5).Select(_ => fusedCache.Allocate().Slots[0]).ToArray();
        var separateSlots = Enumerable.Range(0, 5).Select(_ => separateCache.Allocate().Slots[0]).ToArray();
        for (int r = 0; r < 3; r++)
        {
            model.HiddenCached(x[r..(r + 1), ..history[r]], fusedCache, [fusedSlots[r]]);
            model.HiddenCached(x[r..(r + 1), ..history[r]], separateCache, [separateSlots[r]]);
        }
        var decode = stack(Enumerable.Range(0, 3).Select(r => x[r, history[r]]).ToArray()).unsqueeze(1);

        var fused = model.HiddenCachedFused(
        [
            new CachedSegment(decode, fusedSlots[..3]),
            new CachedSegment(x[3..4, ..5], [fusedSlots[3]]),
            new CachedSegment(x[4..5, ..2], [fusedSlots[4]]),
        ], fusedCache);
        var separate = new[]
        {
            model.HiddenCached(decode, separateCache, separateSlots[..3]),
            model.HiddenCached(x[3..4, ..5], separateCache, [separateSlots[3]]),
            model.HiddenCached(x[4..5, ..2], separateCache, [separateSlots[4]]),
        };
        for (int i = 0; i < 3; i++)
        {
            Assert.Equal(separate[i].shape, fused[i].shape);
            Assert.True(TinyDecoder.MaxAbsDiff(separate[i], fused[i]) < 1e-5, $"segment {i}");
        }
        Assert.Equal(new[] { 7, 4, 10, 5, 2 }, fusedSlots.Select(fusedCache.Length));

        // The next step reads what the fused pass wrote: decoding on continues to agree.
        var next = stack(Enumerable.Range(0, 5).Select(r => x[r, r < 3 ? history[r] + 1 : r == 3 ? 5 : 2]).ToArray()).unsqueeze(1);
        Assert.True(TinyDecoder.MaxAbsDiff(model.HiddenCached(next, fusedCache, fusedSlots), model.HiddenCached(next, separateCache, separateSlots)) < 1e-5);
    }

    [Fact]
    public void A_fused_pass_refuses_a_slot_used_by_two_segments()
    {
        using var model = TinyDecoder.Create(TinyDecoder.Config(), seed: 8);
        using var cache = model.CreateCache(slots: 2);
        var slot = cache.Allocate().Slots;
        var ex = Assert.Throws<ArgumentException>(() => model.HiddenCachedFused([new CachedSegment(zeros(1, 1, 32), slot), new CachedSegment(zeros(1, 2, 32), slot)], cache));
        Assert.Contains("its own slot", ex.Message, StringComparison.Ordinal);
    }
}
