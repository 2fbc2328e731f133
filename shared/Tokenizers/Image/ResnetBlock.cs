using Media.Modeling.Layers;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Media.Tokenizers.Image;

/// <summary>
/// LlamaGen's ResnetBlock: x + conv2(dropout(swish(norm2(conv1(swish(norm1(x))))))), with a 1x1
/// `nin_shortcut` on x when the width changes. GroupNorm(32, eps 1e-6).
/// </summary>
public sealed class ResnetBlock : nn.Module<Tensor, Tensor>
{
    readonly GroupNorm norm1;
    readonly Conv2d conv1;
    readonly GroupNorm norm2;
    readonly Dropout dropout;
    readonly Conv2d conv2;
    readonly Conv2d? nin_shortcut;

    /// <summary>A block from <paramref name="inChannels"/> to <paramref name="outChannels"/>.</summary>
    public ResnetBlock(long inChannels, long outChannels, double dropout) : base(nameof(ResnetBlock))
    {
        norm1 = VqLayers.Normalize(inChannels);
        conv1 = nn.Conv2d(inChannels, outChannels, 3, padding: 1);
        norm2 = VqLayers.Normalize(outChannels);
        this.dropout = nn.Dropout(dropout);
        conv2 = nn.Conv2d(outChannels, outChannels, 3, padding: 1);
        if (inChannels != outChannels) nin_shortcut = nn.Conv2d(inChannels, outChannels, 1);
        RegisterComponents();
    }

    /// <inheritdoc />
    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var h = UnfoldConvolution.Forward(conv1, nn.functional.silu(norm1.call(x)));
        h = UnfoldConvolution.Forward(conv2, dropout.call(nn.functional.silu(norm2.call(h))));
        var shortcut = nin_shortcut is null ? x : UnfoldConvolution.Forward(nin_shortcut, x);
        return shortcut.add(h).MoveToOuterDisposeScope();
    }
}
