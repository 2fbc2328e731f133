using Media.Modeling.Layers;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Media.Tokenizers.Image;

/// <summary>
/// LlamaGen's Decoder, the encoder's mirror: conv_in from z_channels, mid = Res / Attn / Res, then the
/// levels from coarsest to finest (`conv_blocks.0` is the coarsest) with one ResBlock more than the
/// encoder, attention at the coarsest, nearest x2 upsample + conv between levels, then GroupNorm,
/// swish and conv_out to pixels (unbounded; the tokenizer clamps decoded images to [-1, 1]).
/// </summary>
public sealed class VqDecoder : nn.Module<Tensor, Tensor>
{
    readonly Conv2d conv_in;
    readonly ModuleList<nn.Module<Tensor, Tensor>> mid;
    readonly ModuleList<VqLevel> conv_blocks;
    readonly GroupNorm norm_out;
    readonly Conv2d conv_out;

    /// <summary>A decoder for <paramref name="config"/>.</summary>
    public VqDecoder(VqConfig config) : base(nameof(VqDecoder))
    {
        ArgumentNullException.ThrowIfNull(config);
        var mult = config.DecoderChannelMultipliers;
        int ch = config.Channels, levels = mult.Count;
        long blockIn = ch * mult[levels - 1];
        conv_in = nn.Conv2d(config.ZChannels, blockIn, 3, padding: 1);
        mid = new ModuleList<nn.Module<Tensor, Tensor>>(
            new ResnetBlock(blockIn, blockIn, config.Dropout), new AttnBlock(blockIn), new ResnetBlock(blockIn, blockIn, config.Dropout));
        conv_blocks = new ModuleList<VqLevel>();
        for (int l = levels - 1; l >= 0; l--)
        {
            long blockOut = ch * mult[l];
            conv_blocks.Add(new VqLevel(blockIn, blockOut, config.ResBlocks + 1, withAttention: l == levels - 1, config.Dropout, down: false, up: l != 0));
            blockIn = blockOut;
        }
        norm_out = VqLayers.Normalize(blockIn);
        conv_out = nn.Conv2d(blockIn, config.ImageChannels, 3, padding: 1);
        RegisterComponents();
    }

    /// <inheritdoc />
    public override Tensor forward(Tensor z)
    {
        using var scope = NewDisposeScope();
        var h = UnfoldConvolution.Forward(conv_in, z);
        foreach (var block in mid) h = block.call(h);
        foreach (var level in conv_blocks) h = level.call(h);
        return UnfoldConvolution.Forward(conv_out, nn.functional.silu(norm_out.call(h))).MoveToOuterDisposeScope();
    }
}
