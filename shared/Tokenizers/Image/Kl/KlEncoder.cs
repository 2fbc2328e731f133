using Media.Modeling.Layers;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Media.Tokenizers.Image.Kl;

/// <summary>
/// Latent diffusion's Encoder with double_z: conv_in, `down.{i}` levels (finest first), mid, then
/// GroupNorm, swish and conv_out to 2 x embed_dim channels (mean and log-variance).
/// </summary>
public sealed class KlEncoder : nn.Module<Tensor, Tensor>
{
    readonly Conv2d conv_in;
    readonly ModuleList<VqLevel> down;
    readonly KlMid mid;
    readonly GroupNorm norm_out;
    readonly Conv2d conv_out;

    /// <summary>An encoder for <paramref name="config"/>.</summary>
    public KlEncoder(KlConfig config) : base(nameof(KlEncoder))
    {
        ArgumentNullException.ThrowIfNull(config);
        var mult = config.ChannelMultipliers;
        int ch = config.Channels, levels = mult.Count, resolution = config.Resolution;
        conv_in = nn.Conv2d(config.ImageChannels, ch, 3, padding: 1);
        down = new ModuleList<VqLevel>();
        long blockIn = ch;
        for (int l = 0; l < levels; l++)
        {
            long blockOut = ch * mult[l];
            bool last = l == levels - 1;
            down.Add(new VqLevel(blockIn, blockOut, config.ResBlocks, config.EncoderAttentionResolutions.Contains(resolution), config.Dropout, down: !last, up: false, latentDiffusionNames: true));
            blockIn = blockOut;
            if (!last) resolution /= 2;
        }
        mid = new KlMid(blockIn, config.Dropout);
        norm_out = VqLayers.Normalize(blockIn);
        conv_out = nn.Conv2d(blockIn, 2 * config.EmbedDim, 3, padding: 1);
        RegisterComponents();
    }

    /// <inheritdoc />
    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var h = UnfoldConvolution.Forward(conv_in, x);
        foreach (var level in down) h = level.call(h);
        h = mid.call(h);
        return UnfoldConvolution.Forward(conv_out, nn.functional.silu(norm_out.call(h))).MoveToOuterDisposeScope();
    }
}
