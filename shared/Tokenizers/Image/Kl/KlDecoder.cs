using Media.Modeling.Layers;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Media.Tokenizers.Image.Kl;

/// <summary>
/// Latent diffusion's Decoder: conv_in from embed_dim, mid, then the `up.{i}` levels from coarsest to
/// finest — `up.0` is the finest, as in the public code, which builds the list in reverse — with one
/// ResBlock more than the encoder, then GroupNorm, swish and conv_out to pixels (unbounded).
/// </summary>
public sealed class KlDecoder : nn.Module<Tensor, Tensor>
{
    readonly Conv2d conv_in;
    readonly KlMid mid;
    readonly ModuleList<VqLevel> up;
    readonly GroupNorm norm_out;
    readonly Conv2d conv_out;

    /// <summary>A decoder for <paramref name="config"/>.</summary>
    public KlDecoder(KlConfig config) : base(nameof(KlDecoder))
    {
        ArgumentNullException.ThrowIfNull(config);
        var mult = config.ChannelMultipliers;
        int ch = config.Channels, levels = mult.Count;
        int resolution = config.Resolution / config.DownsampleFactor;
        long blockIn = ch * mult[levels - 1];
        conv_in = nn.Conv2d(config.EmbedDim, blockIn, 3, padding: 1);
        mid = new KlMid(blockIn, config.Dropout);
        var coarseFirst = new List<VqLevel>();
        for (int l = levels - 1; l >= 0; l--)
        {
            long blockOut = ch * mult[l];
            coarseFirst.Add(new VqLevel(blockIn, blockOut, config.ResBlocks + 1, config.DecoderAttentionResolutions.Contains(resolution), config.Dropout, down: false, up: l != 0, latentDiffusionNames: true));
            blockIn = blockOut;
            if (l != 0) resolution *= 2;
        }
        coarseFirst.Reverse();
        up = new ModuleList<VqLevel>([.. coarseFirst]);
        norm_out = VqLayers.Normalize(blockIn);
        conv_out = nn.Conv2d(blockIn, config.ImageChannels, 3, padding: 1);
        RegisterComponents();
    }

    /// <inheritdoc />
    public override Tensor forward(Tensor z)
    {
        using var scope = NewDisposeScope();
        var h = mid.call(UnfoldConvolution.Forward(conv_in, z));
        for (int l = up.Count - 1; l >= 0; l--) h = up[l].call(h);
        return UnfoldConvolution.Forward(conv_out, nn.functional.silu(norm_out.call(h))).MoveToOuterDisposeScope();
    }
}
