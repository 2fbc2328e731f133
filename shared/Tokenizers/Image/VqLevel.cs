using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Media.Tokenizers.Image;

/// <summary>
/// One resolution level of the encoder or decoder (`conv_blocks.{l}`): ResBlocks `res.{j}`, attention
/// `attn.{j}` after each ResBlock where the level has attention, then `downsample` (encoder) or
/// `upsample` (decoder) unless it is the last level on the way. Latent diffusion's autoencoder (MAR's
/// KL-16) has the same level with its ResBlocks named `block.{j}`.
/// </summary>
public sealed class VqLevel : nn.Module<Tensor, Tensor>
{
    // One of the two is set: the ResBlocks under LlamaGen's name or latent diffusion's.
    readonly ModuleList<ResnetBlock>? res;
    readonly ModuleList<ResnetBlock>? block;
    readonly ModuleList<AttnBlock> attn;
    readonly Downsample? downsample;
    readonly Upsample? upsample;

    internal VqLevel(long inChannels, long outChannels, int blocks, bool withAttention, double dropout, bool down, bool up, bool latentDiffusionNames = false)
        : base(nameof(VqLevel))
    {
        var blocksList = new ModuleList<ResnetBlock>();
        if (latentDiffusionNames) block = blocksList;
        else res = blocksList;
        attn = new ModuleList<AttnBlock>();
        for (int j = 0; j < blocks; j++)
        {
            blocksList.Add(new ResnetBlock(j == 0 ? inChannels : outChannels, outChannels, dropout));
            if (withAttention) attn.Add(new AttnBlock(outChannels));
        }
        if (down) downsample = new Downsample(outChannels);
        if (up) upsample = new Upsample(outChannels);
        RegisterComponents();
    }

    /// <inheritdoc />
    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var h = x;
        var blocks = (res ?? block)!;
        for (int j = 0; j < blocks.Count; j++)
        {
            h = blocks[j].call(h);
            if (attn.Count > 0) h = attn[j].call(h);
        }
        if (downsample is not null) h = downsample.call(h);
        if (upsample is not null) h = upsample.call(h);
        return h.MoveToOuterDisposeScope();
    }
}
