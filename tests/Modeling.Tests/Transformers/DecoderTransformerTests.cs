using Media.Modeling.Transformers;
using TorchSharp;
using static TorchSharp.torch;

namespace Media.Modeling.Tests.Transformers;

public sealed class DecoderTransformerTests
{
    [Fact]
    public void State_dict_keys_are_the_llamagen_gpt_keys()
    {
        using var model = TinyDecoder.Create();
        var expected = new List<string> { "tok_embeddings.weight" };
        for (int i = 0; i < 2; i++)
            expected.AddRange(new[] { "attention.wqkv", "attention.wo", "feed_forward.w1", "feed_forward.w2", "feed_forward.w3", "attention_norm", "ffn_norm" }
                .Select(k => $"layers.{i}.{k}.weight"));
        expected.AddRange(new[] { "norm.weight", "output.weight" });
        Assert.Equal(expected.Order(StringComparer.Ordinal), model.state_dict().Keys.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Parameter_shapes_follow_the_fused_qkv_and_swiglu_layouts()
    {
        using var model = TinyDecoder.Create();
        var sd = model.state_dict();
        // dim 32, 4 heads of 8, 2 kv heads: wqkv rows = (4 + 2*2) * 8; hidden = find_multiple(int(2*128/3) = 85, 16) = 96.
        Assert.Equal(new long[] { 64, 32 }, sd["layers.0.attention.wqkv.weight"].shape);
        Assert.Equal(new long[] { 96, 32 }, sd["layers.0.feed_forward.w1.weight"].shape);
        Assert.Equal(new long[] { 32, 96 }, sd["layers.0.feed_forward.w2.weight"].shape);
        Assert.Equal(new long[] { 50, 32 }, sd["output.weight"].shape);
    }

    [Theory]
    [InlineData(768, 256, 2048)]   // LlamaGen-B
    [InlineData(1280, 256, 3584)]  // LlamaGen-XL: int(2*5120/3) = 3413 -> 3584
    [InlineData(384, 256, 1024)]
    public void Feed_forward_width_follows_llamagen_find_multiple(int dim, int multipleOf, int hidden) =>
        Assert.Equal(hidden, new TransformerConfig(dim, 1, 1, 1, 1, multipleOf).FeedForwardHidden);

    [Fact]
    public void Biases_appear_only_when_switched_on()
    {
        using var model = TinyDecoder.Create(TinyDecoder.Config() with { AttentionBias = true, FeedForwardBias = true, OutputBias = true });
        var keys = model.state_dict().Keys.ToHashSet();
        Assert.Contains("layers.1.attention.wqkv.bias", keys);
        Assert.Contains("layers.1.attention.wo.bias", keys);
        Assert.Contains("layers.0.feed_forward.w2.bias", keys);
        Assert.Contains("output.bias", keys);
    }

    [Fact]
    public void Changing_tokens_after_position_t_leaves_the_logits_up_to_t_unchanged()
    {
        using var model = TinyDecoder.Create();
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        const int t = 6;
        var a = TinyDecoder.RandomTokens(2, 12, 50, seed: 11);
        var b = a.clone();
        b[TensorIndex.Colon, TensorIndex.Slice(t + 1)] = TinyDecoder.RandomTokens(2, 5, 50, seed: 12);
        var la = model.forward(a);
        var lb = model.forward(b);
        Assert.True(TinyDecoder.MaxAbsDiff(la[.., ..(t + 1)], lb[.., ..(t + 1)]) < 1e-6);
        Assert.True(TinyDecoder.MaxAbsDiff(la[.., (t + 1)..], lb[.., (t + 1)..]) > 1e-3); // the later logits do see the change
    }

    [Fact]
    public void With_a_bidirectional_prefix_prefix_positions_see_later_prefix_tokens_but_never_content()
    {
        using var model = TinyDecoder.Create();
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        const int prefix = 4;
        var pattern = AttentionPattern.PrefixBidirectional(prefix);
        var x = TinyDecoder.RandomNormal([1, 10, 32], seed: 13);
        var changedContent = x.clone();
        changedContent[0, 7] = TinyDecoder.RandomNormal([32], seed: 14);
        var changedPrefix = x.clone();
        changedPrefix[0, prefix - 1] = TinyDecoder.RandomNormal([32], seed: 15);

        var lx = model.ForwardFull(x, pattern: pattern);
        Assert.True(TinyDecoder.MaxAbsDiff(lx[.., ..7], model.ForwardFull(changedContent, pattern: pattern)[.., ..7]) < 1e-6);
        // The last prefix token reaches position 0 only because the prefix is bidirectional.
        Assert.True(TinyDecoder.MaxAbsDiff(lx[.., ..1], model.ForwardFull(changedPrefix, pattern: pattern)[.., ..1]) > 1e-3);
        // Under the plain causal pattern position 0 does not see it.
        Assert.True(TinyDecoder.MaxAbsDiff(model.ForwardFull(x)[.., ..1], model.ForwardFull(changedPrefix)[.., ..1]) < 1e-6);
    }

    [Fact]
    public void Grouped_query_attention_equals_attention_with_kv_heads_repeated_explicitly()
    {
        using var gqa = TinyDecoder.Create(TinyDecoder.Config(nKvHead: 2), seed: 3);
        using var full = TinyDecoder.Create(TinyDecoder.Config(nKvHead: 4), seed: 4);
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        var source = gqa.state_dict();
        foreach (var (name, target) in full.state_dict())
        {
            var w = source[name];
            if (name.EndsWith("wqkv.weight", StringComparison.Ordinal))
            {
                // Rows: 4 query heads, then 2 key heads, then 2 value heads of 8; repeat each kv head twice, in place.
                var q = w[..32];
                var k = w[32..48].view(2, 8, 32).repeat_interleave(2, dim: 0).reshape(32, 32);
                var v = w[48..64].view(2, 8, 32).repeat_interleave(2, dim: 0).reshape(32, 32);
                w = cat([q, k, v], 0);
            }
            target.copy_(w);
        }
        var tokens = TinyDecoder.RandomTokens(2, 9, 50, seed: 16);
        Assert.True(TinyDecoder.MaxAbsDiff(gqa.forward(tokens), full.forward(tokens)) < 1e-5);
    }

    [Fact]
    public void Malformed_inputs_fail_with_clear_messages()
    {
        using var model = TinyDecoder.Create();
        using var scope = NewDisposeScope();
        var ex = Assert.Throws<ArgumentException>(() => model.ForwardFull(zeros(1, 3, 31)));
        Assert.Contains("[batch, time, 32]", ex.Message, StringComparison.Ordinal);
        ex = Assert.Throws<ArgumentException>(() => model.forward(tensor(new long[] { 1, 50 }).unsqueeze(0)));
        Assert.Contains("vocabulary", ex.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => new DecoderTransformer(TinyDecoder.Config(nKvHead: 3)));
    }
}
