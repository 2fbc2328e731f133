using Media.Modeling.Layers;
using static TorchSharp.torch;

namespace Media.Modeling.Tests.Layers;

/// <summary>timm's ViT block as MAR uses it: its keys, a pre-norm residual computation with the exact GELU.</summary>
public sealed class VitBlockTests
{
    [Fact]
    public void Keys_are_timms_through_the_rename_table()
    {
        using var block = new VitBlock(16, 2);
        var timm = new[] { "attn.proj.bias", "attn.proj.weight", "attn.qkv.bias", "attn.qkv.weight", "mlp.fc1.bias", "mlp.fc1.weight", "mlp.fc2.bias",
            "mlp.fc2.weight", "norm1.bias", "norm1.weight", "norm2.bias", "norm2.weight" };
        var renames = VitBlock.TimmKeyRenames;
        Assert.Equal(timm.Select(renames.Rename).Order(StringComparer.Ordinal), block.state_dict().Keys.Order(StringComparer.Ordinal));
        Assert.Equal([48L, 16], block.state_dict()["attn.wqkv.weight"].shape);
        Assert.Equal([64L, 16], block.state_dict()["mlp.fc1.weight"].shape);
    }

    [Fact]
    public void Forward_is_x_plus_attention_then_plus_an_exact_gelu_mlp()
    {
        using var scope = NewDisposeScope();
        manual_seed(4);
        using var block = new VitBlock(8, 2);
        var state = block.state_dict();
        var x = randn(2, 5, 8);
        // With the attention's output projection zeroed, the block is x + mlp(norm2(x)).
        using (no_grad())
        {
            state["attn.wo.weight"].zero_();
            state["attn.wo.bias"].zero_();
        }
        var normed = nn.functional.layer_norm(x, [8], state["norm2.weight"], state["norm2.bias"], 1e-6);
        var hidden = nn.functional.linear(normed, state["mlp.fc1.weight"], state["mlp.fc1.bias"]);
        var expected = x + nn.functional.linear(nn.functional.gelu(hidden), state["mlp.fc2.weight"], state["mlp.fc2.bias"]);
        using var noGrad = no_grad();
        Assert.True(block.call(x).allclose(expected, 1e-5, 1e-5));
    }
}
