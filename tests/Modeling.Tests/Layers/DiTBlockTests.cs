using Media.Modeling.Transformers;
using Media.Modeling.Layers;
using TorchSharp;
using static TorchSharp.torch;

namespace Media.Modeling.Tests.Layers;

public sealed class DiTBlockTests
{
    /// <summary>LayerNorm by its definition: (x - mean) / sqrt(var + eps) over the last dimension, biased variance.</summary>
    static Tensor NaiveLayerNorm(Tensor x, double eps)
    {
        var mean = x.mean([-1], keepdim: true);
        var variance = (x - mean).square().mean([-1], keepdim: true);
        return (x - mean) / (variance + eps).sqrt();
    }

    [Fact]
    public void AdaLN_with_zero_modulation_is_plain_layer_norm()
    {
        using var scope = NewDisposeScope();
        using var g = new Generator(5);
        var x = randn(2, 3, 8, generator: g) * 3 + 1;
        using var norm = nn.LayerNorm(8, eps: 1e-6, elementwise_affine: false);
        var modulated = Modulation.Modulate(norm.call(x), zeros(2, 8), zeros(2, 8));
        Assert.True(modulated.allclose(NaiveLayerNorm(x, 1e-6), rtol: 1e-4, atol: 1e-5));
        // A non-zero modulation shifts and scales each sample by its own row.
        var shift = randn(2, 8, generator: g);
        var scale = randn(2, 8, generator: g);
        var expected = NaiveLayerNorm(x, 1e-6) * (1 + scale.unsqueeze(1)) + shift.unsqueeze(1);
        Assert.True(Modulation.Modulate(norm.call(x), shift, scale).allclose(expected, rtol: 1e-4, atol: 1e-5));
    }

    [Fact]
    public void State_dict_keys_match_facebookresearch_DiT_through_its_rename_table()
    {
        using var block = new DiTBlock(32, 4);
        var shapes = block.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.shape);
        var renames = DiTBlock.DiTKeyRenames;
        var expected = new Dictionary<string, long[]>
        {
            ["attn.qkv.weight"] = [96, 32], ["attn.qkv.bias"] = [96],
            ["attn.proj.weight"] = [32, 32], ["attn.proj.bias"] = [32],
            ["mlp.fc1.weight"] = [128, 32], ["mlp.fc1.bias"] = [128],
            ["mlp.fc2.weight"] = [32, 128], ["mlp.fc2.bias"] = [32],
            ["adaLN_modulation.1.weight"] = [192, 32], ["adaLN_modulation.1.bias"] = [192],
        };
        Assert.Equal(expected.Keys.Select(renames.Rename).Order(StringComparer.Ordinal), shapes.Keys.Order(StringComparer.Ordinal));
        foreach (var (key, shape) in expected) Assert.Equal(shape, shapes[renames.Rename(key)]);

        // Cross-attention is the same shared attention: one wqkv (query rows, then key and value rows) and wo.
        using var crossBlock = new DiTBlock(32, 4, crossAttention: true);
        var crossKeys = crossBlock.state_dict().Keys.Where(k => k.StartsWith("cross_attn.", StringComparison.Ordinal)).Order(StringComparer.Ordinal);
        Assert.Equal(new[] { "cross_attn.wo.bias", "cross_attn.wo.weight", "cross_attn.wqkv.bias", "cross_attn.wqkv.weight" }, crossKeys);
    }

    [Fact]
    public void Zero_initialised_adaLN_makes_the_block_the_identity()
    {
        using var scope = NewDisposeScope();
        using var g = new Generator(6);
        var x = randn(2, 5, 32, generator: g);
        var c = randn(2, 32, generator: g);
        var context = randn(2, 3, 32, generator: g);
        using var noGrad = no_grad();
        foreach (bool cross in new[] { false, true })
        {
            using var block = new DiTBlock(32, 4, crossAttention: cross);
            var ctx = cross ? context : null;
            // Freshly initialised gates are not zero, so the block changes x ...
            Assert.False(block.call(x, c, ctx).allclose(x, rtol: 0, atol: 1e-3));
            block.ZeroInitializeModulation();
            // ... and adaLN-Zero turns every residual branch off.
            Assert.True(block.call(x, c, ctx).allclose(x, rtol: 0, atol: 0));
        }
    }

    [Fact]
    public void Block_forward_matches_the_DiT_equations()
    {
        using var scope = NewDisposeScope();
        using var g = new Generator(7);
        using var block = new DiTBlock(16, 2, mlpRatio: 2);
        var x = randn(2, 3, 16, generator: g);
        var c = randn(2, 16, generator: g);
        var s = block.state_dict();
        using var noGrad = no_grad();
        static Tensor Lin(Tensor v, Tensor w, Tensor b) => v.matmul(w.t()) + b;
        var mod = Lin(nn.functional.silu(c), s["adaLN_modulation.1.weight"], s["adaLN_modulation.1.bias"]).unsqueeze(1).chunk(6, -1);
        using var attention = new Attention(16, 2, bias: true);
        attention.load_state_dict(new Dictionary<string, Tensor>
        {
            ["wqkv.weight"] = s["attn.wqkv.weight"], ["wqkv.bias"] = s["attn.wqkv.bias"],
            ["wo.weight"] = s["attn.wo.weight"], ["wo.bias"] = s["attn.wo.bias"],
        });
        var h = x + mod[2] * attention.Attend(NaiveLayerNorm(x, 1e-6) * (1 + mod[1]) + mod[0]).Output;
        var m = NaiveLayerNorm(h, 1e-6) * (1 + mod[4]) + mod[3];
        var gelu = nn.functional.gelu(Lin(m, s["mlp.fc1.weight"], s["mlp.fc1.bias"]), TorchSharp.Modules.GELU.Approximate.tanh);
        var expected = h + mod[5] * Lin(gelu, s["mlp.fc2.weight"], s["mlp.fc2.bias"]);
        Assert.True(block.call(x, c, null).allclose(expected, rtol: 1e-4, atol: 1e-5));
    }

    [Fact]
    public void Blocks_reject_a_missing_or_unexpected_context()
    {
        using var scope = NewDisposeScope();
        using var plain = new DiTBlock(8, 2);
        using var cross = new DiTBlock(8, 2, crossAttention: true);
        Assert.Throws<ArgumentException>(() => plain.call(zeros(1, 2, 8), zeros(1, 8), zeros(1, 3, 8)));
        Assert.Throws<ArgumentException>(() => cross.call(zeros(1, 2, 8), zeros(1, 8), null));
    }
}
