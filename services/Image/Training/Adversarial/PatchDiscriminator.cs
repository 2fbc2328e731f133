using Media.Modeling.Layers;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Media.Services.Image.Training.Adversarial;

/// <summary>
/// VQGAN's / LlamaGen's PatchGAN discriminator (pix2pix's NLayerDiscriminator): a 4x4 stride-2 convolution + LeakyReLU
/// 0.2, then <c>layers - 1</c> more stride-2 ones and one stride-1 one with BatchNorm, and a 4x4 stride-1 convolution to
/// one logit per patch. Weights start as in taming-transformers (convolutions N(0, 0.02), BatchNorm N(1, 0.02) and 0).
/// Keys follow LlamaGen's <c>main.{i}</c> (the checkpoint's <c>discriminator.main.*</c>).
/// </summary>
public sealed class PatchDiscriminator : nn.Module<Tensor, Tensor>
{
    readonly Sequential main;

    /// <summary>A discriminator with <paramref name="channels"/> in its first layer and <paramref name="layers"/> stride-2 layers.</summary>
    public PatchDiscriminator(int channels = 64, int layers = 3, int imageChannels = 3) : base(nameof(PatchDiscriminator))
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(channels);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(layers);
        var modules = new List<(string, nn.Module<Tensor, Tensor>)>();
        int i = 0;
        void Add(nn.Module<Tensor, Tensor> m) => modules.Add(((i++).ToString(System.Globalization.CultureInfo.InvariantCulture), m));
        Add(nn.Conv2d(imageChannels, channels, 4, stride: 2, padding: 1));
        Add(nn.LeakyReLU(0.2));
        long width = channels;
        for (int n = 1; n <= layers; n++)
        {
            long next = channels * Math.Min(1 << n, 8);
            Add(nn.Conv2d(width, next, 4, stride: n < layers ? 2 : 1, padding: 1, bias: false));
            Add(nn.BatchNorm2d(next));
            Add(nn.LeakyReLU(0.2));
            width = next;
        }
        Add(nn.Conv2d(width, 1, 4, stride: 1, padding: 1));
        main = nn.Sequential(modules);
        RegisterComponents();
        Initialise();
    }

    void Initialise()
    {
        using var noGrad = no_grad();
        foreach (var m in main.children())
        {
            if (m is Conv2d conv) nn.init.normal_(conv.weight, 0, 0.02);
            else if (m is BatchNorm2d norm)
            {
                nn.init.normal_(norm.weight, 1, 0.02);
                nn.init.zeros_(norm.bias);
            }
        }
    }

    /// <summary>Patch logits [B, 1, h, w] of images [B, C, H, W] in [-1, 1].</summary>
    public override Tensor forward(Tensor images)
    {
        using var scope = NewDisposeScope();
        var h = images;
        foreach (var m in main.children())
            h = m is Conv2d conv ? UnfoldConvolution.Forward(conv, h) : ((nn.Module<Tensor, Tensor>)m).call(h);
        return h.MoveToOuterDisposeScope();
    }
}
