using Media.Modeling.Transformers;
using TorchSharp;
using static TorchSharp.torch;

namespace Media.Modeling.Tests.Transformers;

/// <summary>The decoder's optional cross-attention to an encoder memory: full passes, the cache, fused passes, masks.</summary>
public sealed class CrossAttentionTests : IDisposable
{
    readonly DecoderTransformer model = TinyDecoder.Create(TinyDecoder.Config() with { CrossAttention = true }, seed: 7);

    public void Dispose() => model.Dispose();

    /// <summary>A memory of two rows, the second padded after <paramref name="realSecond"/> positions (padding filled with noise of <paramref name="noiseSeed"/>).</summary>
    static CrossMemory Memory(int realSecond, int noiseSeed, long positions = 6)
    {
        var states = TinyDecoder.RandomNormal([2, positions, 32], 21);
        var noise = TinyDecoder.RandomNormal([positions - realSecond, 32], noiseSeed) * 5;
        states[1, TensorIndex.Slice(realSecond)] = noise;
        var mask = ones([2, positions], ScalarType.Bool);
        mask[1, TensorIndex.Slice(realSecond)] = false;
        return new CrossMemory(states, mask);
    }

    [Fact]
    public void Blocks_gain_cross_attention_keys_only_when_switched_on()
    {
        var keys = model.state_dict().Keys.ToHashSet();
        Assert.Contains("layers.1.cross_attention.wqkv.weight", keys);
        Assert.Contains("layers.1.cross_attention.wo.weight", keys);
        Assert.Contains("layers.0.cross_attention_norm.weight", keys);
        using var plain = TinyDecoder.Create();
        Assert.DoesNotContain(plain.state_dict().Keys, k => k.Contains("cross_attention"));
    }

    [Fact]
    public void Cached_incremental_decoding_with_memory_equals_the_full_forward_pass()
    {
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        var memory = Memory(realSecond: 4, noiseSeed: 3);
        var tokens = TinyDecoder.RandomTokens(2, 9, 50, seed: 5);
        var full = model.ForwardFull(model.Embed(tokens), memory: memory);

        using var cache = model.CreateCache(slots: 3, maxLength: 16, memoryLength: 8);
        cache.Allocate(1); // slot 0 stays busy: the pair sits at slots 1, 2
        var group = cache.Allocate(2);
        model.SetMemory(cache, group.Slots, memory);
        var steps = new List<Tensor> { model.ForwardCached(model.Embed(tokens.narrow(1, 0, 4)), cache, group.Slots) };
        for (int t = 4; t < 9; t++) steps.Add(model.ForwardCached(model.Embed(tokens.narrow(1, t, 1)), cache, group.Slots));
        Assert.True(TinyDecoder.MaxAbsDiff(full, cat(steps, 1)) < 1e-4);
    }

    [Fact]
    public void Padded_memory_positions_are_never_read()
    {
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        var tokens = TinyDecoder.RandomTokens(2, 5, 50, seed: 6);
        var embeddings = model.Embed(tokens);
        var a = model.ForwardFull(embeddings, memory: Memory(realSecond: 3, noiseSeed: 1));
        var b = model.ForwardFull(embeddings, memory: Memory(realSecond: 3, noiseSeed: 2));
        Assert.True(TinyDecoder.MaxAbsDiff(a[1], b[1]) < 1e-5, "the second row's padding differs, its logits must not");
        // Without the mask the padding is read: the check above can fail.
        var unmasked = Memory(realSecond: 3, noiseSeed: 2) with { Mask = null };
        Assert.True(TinyDecoder.MaxAbsDiff(a[1], model.ForwardFull(embeddings, memory: unmasked)[1]) > 1e-3);

        // The same through the cache: a row alone with its real memory (no padding) equals the padded row.
        using var cache = model.CreateCache(slots: 2, maxLength: 8, memoryLength: 6);
        var group = cache.Allocate(2);
        model.SetMemory(cache, group.Slots, Memory(realSecond: 3, noiseSeed: 2));
        var cached = model.ForwardCached(embeddings, cache, group.Slots);
        var alone = model.ForwardFull(embeddings.narrow(0, 1, 1), memory: new CrossMemory(Memory(3, 1).States.narrow(0, 1, 1).narrow(1, 0, 3)));
        Assert.True(TinyDecoder.MaxAbsDiff(cached[1], alone[0]) < 1e-4);
    }

    [Fact]
    public void A_fused_pass_reads_each_segments_own_memory()
    {
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        var memory = Memory(realSecond: 2, noiseSeed: 4);
        var tokens = TinyDecoder.RandomTokens(2, 7, 50, seed: 8);
        var full = model.ForwardFull(model.Embed(tokens), memory: memory);
        using var cache = model.CreateCache(slots: 2, maxLength: 16, memoryLength: 6);
        var first = cache.Allocate(1);
        var second = cache.Allocate(1);
        model.SetMemory(cache, first.Slots, new CrossMemory(memory.States.narrow(0, 0, 1), memory.Mask!.narrow(0, 0, 1)));
        model.SetMemory(cache, second.Slots, new CrossMemory(memory.States.narrow(0, 1, 1).narrow(1, 0, 2)));
        // Row 0 prefilled to 5 positions, then one fused pass: its decode step beside row 1's whole 6-token prompt.
        model.HiddenCached(model.Embed(tokens.narrow(0, 0, 1).narrow(1, 0, 5)), cache, first.Slots);
        var fused = model.HiddenCachedFused(
            [new CachedSegment(model.Embed(tokens.narrow(0, 0, 1).narrow(1, 5, 1)), first.Slots), new CachedSegment(model.Embed(tokens.narrow(0, 1, 1).narrow(1, 0, 6)), second.Slots)],
            cache);
        Assert.True(TinyDecoder.MaxAbsDiff(model.Logits(fused[0])[0, 0], full[0, 5]) < 1e-4);
        Assert.True(TinyDecoder.MaxAbsDiff(model.Logits(fused[1])[0], full[1, TensorIndex.Slice(0, 6)]) < 1e-4);
    }

    [Fact]
    public void Memory_is_required_by_a_cross_attending_decoder_and_refused_by_any_other()
    {
        using var scope = NewDisposeScope();
        var embeddings = model.Embed(TinyDecoder.RandomTokens(2, 3, 50, seed: 9));
        Assert.Throws<ArgumentException>(() => model.HiddenFull(embeddings));
        using var plain = TinyDecoder.Create();
        Assert.Throws<ArgumentException>(() => plain.HiddenFull(embeddings, memory: Memory(3, 1)));
        using var cache = model.CreateCache(slots: 2, maxLength: 8, memoryLength: 4);
        var group = cache.Allocate(2);
        Assert.Throws<ArgumentException>(() => model.HiddenCached(embeddings, cache, group.Slots)); // memory not set yet
        Assert.Throws<ArgumentException>(() => model.SetMemory(cache, group.Slots, Memory(3, 1))); // 6 positions > 4
        var allMasked = new CrossMemory(zeros([2, 2, 32]), zeros([2, 2], ScalarType.Bool));
        Assert.Throws<ArgumentException>(() => model.SetMemory(cache, group.Slots, allMasked));
    }
}
