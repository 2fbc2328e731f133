using Media.Modeling.Layers;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Media.Tokenizers.Image;

/// <summary>Halves the resolution: pad right and bottom by one, then a 3x3 stride-2 convolution (LlamaGen's Downsample with conv).</summary>
public sealed class Downsample : nn.Module<Tensor, Tensor>
{
    readonly Conv2d conv;

    /// <summary>A downsampler keeping <paramref name="channels"/> channels.</summary>
    public Downsample(long channels) : base(nameof(Downsample))
    {
        conv = nn.Conv2d(channels, channels, 3, stride: 2);
        RegisterComponents();
    }

    /// <inheritdoc />
    public override Tensor forward(Tensor x)
    {
        using var padded = nn.functional.pad(x, [0, 1, 0, 1], PaddingModes.Constant, 0);
        return UnfoldConvolution.Forward(conv, padded);
    }
}

/// <summary>Doubles the resolution: nearest-neighbour x2, then a 3x3 convolution (LlamaGen's Upsample with conv).</summary>
public sealed class Upsample : nn.Module<Tensor, Tensor>
{
    readonly Conv2d conv;

    /// <summary>An upsampler keeping <paramref name="channels"/> channels.</summary>
    public Upsample(long channels) : base(nameof(Upsample))
    {
        conv = nn.Conv2d(channels, channels, 3, padding: 1);
        RegisterComponents();
    }

    /// <inheritdoc />
    public override Tensor forward(Tensor x)
    {
        using var doubled = nn.functional.interpolate(x, scale_factor: [2.0, 2.0], mode: InterpolationMode.Nearest);
        return UnfoldConvolution.Forward(conv, doubled);
    }
}

/// <summary>Shared layer choices of the VQ model.</summary>
internal static class VqLayers
{
    /// <summary>GroupNorm with 32 groups and eps 1e-6, affine (LlamaGen's Normalize), initialised to PyTorch's identity (weight 1, bias 0).</summary>
    public static GroupNorm Normalize(long channels)
    {
        var norm = nn.GroupNorm(32, channels, eps: 1e-6, affine: true);
        // TorchSharp 0.107 leaves GroupNorm's affine parameters uninitialised (they can hold NaN); set PyTorch's defaults.
        using (no_grad())
        {
            norm.weight!.fill_(1);
            norm.bias!.zero_();
        }
        return norm;
    }
}
