using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Media.Tokenizers.Image;

/// <summary>
/// One resolution level of the encoder or decoder (`conv_blocks.{l}`): ResBlocks `res.{j}`, attention
/// `attn.{j}` after each ResBlock where the level has attention, then `downsample` (encoder) or
/// `upsample` (decoder) unless it is the last level on the way. Latent diffusion's autoencoder (MAR's
/// KL-16) has the same level with its ResBlocks named `block.{j}` (the blocksName argument).
/// </summary>
public sealed class VqLevel : nn.Module<Tensor, Tensor>
{
    readonly ModuleList<ResnetBlock> res;
    readonly ModuleList<AttnBlock> attn;
    readonly Downsample? downsample;
    readonly Upsample? upsample;

    internal VqLevel(long inChannels, long outChannels, int blocks, bool withAttention, double dropout, bool down, bool up, string blocksName = "res")
        : base(nameof(VqLevel))
    {
        res = new ModuleList<ResnetBlock>();
        attn = new ModuleList<AttnBlock>();
        for (int j = 0; j < blocks; j++)
        {
            res.Add(new ResnetBlock(j == 0 ? inChannels : outChannels, outChannels, dropout));
            if (withAttention) attn.Add(new AttnBlock(outChannels));
        }
        if (down) downsample = new Downsample(outChannels);
        if (up) upsample = new Upsample(outChannels);
        // Registered by hand: the ResBlocks' name is the checkpoint's.
        register_module(blocksName, res);
        register_module(nameof(attn), attn);
        if (downsample is not null) register_module(nameof(downsample), downsample);
        if (upsample is not null) register_module(nameof(upsample), upsample);
    }

    /// <inheritdoc />
    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var h = x;
        for (int j = 0; j < res.Count; j++)
        {
            h = res[j].call(h);
            if (attn.Count > 0) h = attn[j].call(h);
        }
        if (downsample is not null) h = downsample.call(h);
        if (upsample is not null) h = upsample.call(h);
        return h.MoveToOuterDisposeScope();
    }
}
