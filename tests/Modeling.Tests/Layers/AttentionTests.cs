using Media.Modeling.Layers;
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
        using var attention = new SelfAttention(16, 4);
        using var g = new Generator(2);
        var x = randn(2, 5, 16, generator: g);
        var s = attention.state_dict();
        // timm splits qkv's output as [q | k | v], each 16 wide.
        var qkv = Linear(x, s["qkv.weight"], s["qkv.bias"]);
        var expected = Linear(NaiveAttention(qkv.narrow(2, 0, 16), qkv.narrow(2, 16, 16), qkv.narrow(2, 32, 16), 4), s["proj.weight"], s["proj.bias"]);
        using var noGrad = no_grad();
        Assert.True(attention.call(x).allclose(expected, rtol: 1e-4, atol: 1e-5));
    }

    [Fact]
    public void Cross_attention_matches_per_head_softmax_attention_to_the_context()
    {
        using var scope = NewDisposeScope();
        using var attention = new CrossAttention(12, 3);
        using var g = new Generator(3);
        var x = randn(2, 4, 12, generator: g);
        var context = randn(2, 7, 12, generator: g);
        var s = attention.state_dict();
        Assert.Equal(new[] { "k.bias", "k.weight", "proj.bias", "proj.weight", "q.bias", "q.weight", "v.bias", "v.weight" }, s.Keys.Order(StringComparer.Ordinal));
        var expected = Linear(NaiveAttention(Linear(x, s["q.weight"], s["q.bias"]), Linear(context, s["k.weight"], s["k.bias"]),
            Linear(context, s["v.weight"], s["v.bias"]), 3), s["proj.weight"], s["proj.bias"]);
        using var noGrad = no_grad();
        Assert.True(attention.call(x, context).allclose(expected, rtol: 1e-4, atol: 1e-5));
        Assert.Throws<ArgumentException>(() => attention.call(x, randn(2, 7, 8)));
    }
}
