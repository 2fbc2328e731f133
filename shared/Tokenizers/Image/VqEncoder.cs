using Media.Modeling.Layers;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Media.Tokenizers.Image;

/// <summary>
/// LlamaGen's Encoder: conv_in, per level ResBlocks (attention at the coarsest) and a downsample
/// between levels, mid = ResBlock / AttnBlock / ResBlock, then GroupNorm, swish and conv_out to z_channels.
/// </summary>
public sealed class VqEncoder : nn.Module<Tensor, Tensor>
{
    readonly Conv2d conv_in;
    readonly ModuleList<VqLevel> conv_blocks;
    readonly ModuleList<nn.Module<Tensor, Tensor>> mid;
    readonly GroupNorm norm_out;
    readonly Conv2d conv_out;

    /// <summary>An encoder for <paramref name="config"/>.</summary>
    public VqEncoder(VqConfig config) : base(nameof(VqEncoder))
    {
        ArgumentNullException.ThrowIfNull(config);
        var mult = config.EncoderChannelMultipliers;
        int ch = config.Channels, levels = mult.Count;
        conv_in = nn.Conv2d(config.ImageChannels, ch, 3, padding: 1);
        conv_blocks = new ModuleList<VqLevel>();
        long blockIn = ch;
        for (int l = 0; l < levels; l++)
        {
            long blockOut = ch * mult[l];
            bool last = l == levels - 1;
            conv_blocks.Add(new VqLevel(blockIn, blockOut, config.ResBlocks, withAttention: last, config.Dropout, down: !last, up: false));
            blockIn = blockOut;
        }
        mid = new ModuleList<nn.Module<Tensor, Tensor>>(
            new ResnetBlock(blockIn, blockIn, config.Dropout), new AttnBlock(blockIn), new ResnetBlock(blockIn, blockIn, config.Dropout));
        norm_out = VqLayers.Normalize(blockIn);
        conv_out = nn.Conv2d(blockIn, config.ZChannels, 3, padding: 1);
        RegisterComponents();
    }

    /// <inheritdoc />
    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var h = UnfoldConvolution.Forward(conv_in, x);
        foreach (var level in conv_blocks) h = level.call(h);
        foreach (var block in mid) h = block.call(h);
        return UnfoldConvolution.Forward(conv_out, nn.functional.silu(norm_out.call(h))).MoveToOuterDisposeScope();
    }
}
