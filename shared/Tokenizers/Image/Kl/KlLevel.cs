using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Media.Tokenizers.Image.Kl;

/// <summary>
/// One resolution level of the KL autoencoder (`down.{i}` or `up.{i}`): ResBlocks `block.{j}`, an
/// attention block `attn.{j}` after each when the level has attention, then `downsample` or `upsample`
/// unless it is the last level on the way. The blocks are LlamaGen's, whose keys match latent diffusion's.
/// </summary>
public sealed class KlLevel : nn.Module<Tensor, Tensor>
{
    readonly ModuleList<ResnetBlock> block;
    readonly ModuleList<AttnBlock> attn;
    readonly Downsample? downsample;
    readonly Upsample? upsample;

    internal KlLevel(long inChannels, long outChannels, int blocks, bool withAttention, double dropout, bool down, bool up)
        : base(nameof(KlLevel))
    {
        block = new ModuleList<ResnetBlock>();
        attn = new ModuleList<AttnBlock>();
        for (int j = 0; j < blocks; j++)
        {
            block.Add(new ResnetBlock(j == 0 ? inChannels : outChannels, outChannels, dropout));
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
        for (int j = 0; j < block.Count; j++)
        {
            h = block[j].call(h);
            if (attn.Count > 0) h = attn[j].call(h);
        }
        if (downsample is not null) h = downsample.call(h);
        if (upsample is not null) h = upsample.call(h);
        return h.MoveToOuterDisposeScope();
    }
}

/// <summary>The middle of the encoder and decoder: `block_1`, `attn_1`, `block_2`.</summary>
public sealed class KlMid : nn.Module<Tensor, Tensor>
{
    readonly ResnetBlock block_1;
    readonly AttnBlock attn_1;
    readonly ResnetBlock block_2;

    internal KlMid(long channels, double dropout) : base(nameof(KlMid))
    {
        block_1 = new ResnetBlock(channels, channels, dropout);
        attn_1 = new AttnBlock(channels);
        block_2 = new ResnetBlock(channels, channels, dropout);
        RegisterComponents();
    }

    /// <inheritdoc />
    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        return block_2.call(attn_1.call(block_1.call(x))).MoveToOuterDisposeScope();
    }
}
