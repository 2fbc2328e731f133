using Media.Modeling.Checkpoints;
using Media.Modeling.Layers;
using Media.Modeling.Transformers;
using TorchSharp;
using static TorchSharp.torch;

namespace Media.Modeling.Tests.Layers;

public sealed class AttentionTests
{
    /// <summary>softmax(q k^T / sqrt(d)) v per head, heads taken as consecutive column blocks, by explicit loops over heads.</summary>
    static Tensor NaiveAttention(Tensor q, Tensor k, Tensor v, long heads)
    {
        long d = q.shape[2], hd = d / heads;
        var outputs = new List<Tensor>();
        for (long h = 0; h < heads; h++)
        {
            var qh = q.narrow(2, h * hd, hd);
            var kh = k.narrow(2, h * hd, hd);
            var vh = v.narrow(2, h * hd, hd);
            var weights = (qh.matmul(kh.transpose(1, 2)) / Math.Sqrt(hd)).softmax(-1);
            outputs.Add(weights.matmul(vh));
        }
        return cat(outputs, 2);
    }

    static Tensor Linear(Tensor x, Tensor weight, Tensor bias) => x.matmul(weight.t()) + bias;

    [Fact]
    public void Self_attention_matches_per_head_softmax_attention_on_timm_qkv_layout()
    {
        using var scope = NewDisposeScope();
        using var attention = new Attention(16, 4, bias: true);
        using var g = new Generator(2);
        var x = randn(2, 5, 16, generator: g);
        var s = attention.state_dict();
        // timm splits qkv's output as [q | k | v], each 16 wide; so does wqkv.
        var qkv = Linear(x, s["wqkv.weight"], s["wqkv.bias"]);
        var expected = Linear(NaiveAttention(qkv.narrow(2, 0, 16), qkv.narrow(2, 16, 16), qkv.narrow(2, 32, 16), 4), s["wo.weight"], s["wo.bias"]);
        using var noGrad = no_grad();
        Assert.True(attention.Attend(x).Output.allclose(expected, rtol: 1e-4, atol: 1e-5));
    }

    [Fact]
    public void Cross_attention_matches_per_head_softmax_attention_to_the_context()
    {
        using var scope = NewDisposeScope();
        using var attention = new Attention(12, 3, bias: true);
        using var g = new Generator(3);
        var x = randn(2, 4, 12, generator: g);
        var context = randn(2, 7, 12, generator: g);
        var s = attention.state_dict();
        Assert.Equal(new[] { "wo.bias", "wo.weight", "wqkv.bias", "wqkv.weight" }, s.Keys.Order(StringComparer.Ordinal));
        // Rows 0..11 of wqkv project the tokens to queries, rows 12..23 and 24..35 the context to keys and values.
        Tensor W(long row) => s["wqkv.weight"].narrow(0, row, 12);
        Tensor B(long row) => s["wqkv.bias"].narrow(0, row, 12);
        var expected = Linear(NaiveAttention(Linear(x, W(0), B(0)), Linear(context, W(12), B(12)), Linear(context, W(24), B(24)), 3), s["wo.weight"], s["wo.bias"]);
        using var noGrad = no_grad();
        Assert.True(attention.CrossAttend(x, context).allclose(expected, rtol: 1e-4, atol: 1e-5));
        Assert.Throws<ArgumentException>(() => attention.CrossAttend(x, randn(2, 7, 8)));
    }

    [Fact]
    public void Past_keys_and_values_with_a_mask_give_the_rows_of_one_causal_pass_over_the_whole_sequence()
    {
        using var scope = NewDisposeScope();
        using var attention = new Attention(16, 4, kvHeads: 2);
        using var g = new Generator(4);
        var x = randn(2, 7, 16, generator: g);
        using var noGrad = no_grad();
        var whole = attention.Attend(x, new AttentionInputs { IsCausal = true }).Output;
        // The first 4 positions once, then the last 3 against their keys and values, causal within the new rows.
        var (first, keys, values) = attention.Attend(x.narrow(1, 0, 4), new AttentionInputs { IsCausal = true });
        Assert.Equal(new long[] { 2, 2, 4, 4 }, keys.shape);
        var mask = ones(3, 7, dtype: ScalarType.Bool).tril(4).view(1, 1, 3, 7);
        var rest = attention.Attend(x.narrow(1, 4, 3), new AttentionInputs { Mask = mask, PastKeys = keys, PastValues = values }).Output;
        Assert.True(cat([first, rest], 1).allclose(whole, rtol: 1e-5, atol: 1e-6));
        Assert.Throws<ArgumentException>(() => attention.Attend(x, new AttentionInputs { PastKeys = keys }));
    }

    [Fact]
    public void A_public_DiT_block_checkpoint_loads_through_the_rename_table()
    {
        using var scope = NewDisposeScope();
        using var block = new DiTBlock(8, 2);
        // facebookresearch/DiT names: timm's attn.qkv and attn.proj.
        var dit = block.state_dict().ToDictionary(
            p => "blocks.0." + p.Key.Replace("attn.wqkv.", "attn.qkv.", StringComparison.Ordinal).Replace("attn.wo.", "attn.proj.", StringComparison.Ordinal),
            p => p.Value);
        Assert.Contains("blocks.0.attn.qkv.weight", dit.Keys);
        var renamed = DiTBlock.DiTKeyRenames.Apply(dit);
        Assert.Equal(block.state_dict().Keys.Select(k => "blocks.0." + k).Order(StringComparer.Ordinal), renamed.Keys.Order(StringComparer.Ordinal));
    }
}
