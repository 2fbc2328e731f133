using Media.Modeling.Layers;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Media.Tokenizers.Image;

/// <summary>
/// LlamaGen's AttnBlock: single-head self-attention over all positions with 1x1-conv q, k, v and
/// proj_out, scaled by 1/sqrt(C), added to the input.
/// </summary>
public sealed class AttnBlock : nn.Module<Tensor, Tensor>
{
    readonly GroupNorm norm;
    readonly Conv2d q;
    readonly Conv2d k;
    readonly Conv2d v;
    readonly Conv2d proj_out;

    /// <summary>An attention block over <paramref name="channels"/> channels.</summary>
    public AttnBlock(long channels) : base(nameof(AttnBlock))
    {
        norm = VqLayers.Normalize(channels);
        q = nn.Conv2d(channels, channels, 1);
        k = nn.Conv2d(channels, channels, 1);
        v = nn.Conv2d(channels, channels, 1);
        proj_out = nn.Conv2d(channels, channels, 1);
        RegisterComponents();
    }

    /// <inheritdoc />
    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        long b = x.shape[0], c = x.shape[1], h = x.shape[2], w = x.shape[3];
        var normed = norm.call(x);
        // [B, C, H, W] -> [B, 1, HW, C]: one head whose features are the channels.
        Tensor Tokens(Tensor t) => t.reshape(b, 1, c, h * w).transpose(2, 3);
        var attended = nn.functional.scaled_dot_product_attention(Tokens(UnfoldConvolution.Forward(q, normed)), Tokens(UnfoldConvolution.Forward(k, normed)), Tokens(UnfoldConvolution.Forward(v, normed)));
        var spatial = attended.transpose(2, 3).reshape(b, c, h, w);
        return x.add(UnfoldConvolution.Forward(proj_out, spatial)).MoveToOuterDisposeScope();
    }
}
