using Media.Modeling.Layers;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Media.Services.Image.Training.Perceptual;

/// <summary>
/// The stand-in for LPIPS's VGG: a small VGG-style network trained here to read procedural scenes cell by cell. Four
/// stages of a 3x3 convolution + ReLU, 2x2 max-pools between them (64 -> 32 -> 16 -> 8 px; one convolution per stage and
/// 16-64 channels keep its unfold-convolution training on one CPU core to minutes), then a 3x3
/// adaptive average over the scene grid and a 1x1 head that names, for each of the 9 cells, the shape in it (or none)
/// and its colour (or none). What the head must tell apart (a star from a cross, a small ring from a circle) is what the
/// VQ decoder blurs, so the stage outputs are the features <see cref="PerceptualDistance"/> compares.
/// </summary>
public sealed class SceneFeatureNet : nn.Module<Tensor, Tensor>
{
    /// <summary>Channels of the four stages.</summary>
    public static IReadOnlyList<int> StageChannels { get; } = [16, 32, 64, 64];

    /// <summary>Cells of the scene grid.</summary>
    public const int Cells = 9;

    readonly ModuleList<Conv2d> convs;
    readonly Conv2d head;

    /// <summary>A network with <paramref name="shapeClasses"/> (none + shapes) and <paramref name="colourClasses"/> (none + colours) per cell.</summary>
    public SceneFeatureNet(int shapeClasses, int colourClasses) : base(nameof(SceneFeatureNet))
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(shapeClasses, 2);
        ArgumentOutOfRangeException.ThrowIfLessThan(colourClasses, 2);
        ShapeClasses = shapeClasses;
        ColourClasses = colourClasses;
        convs = new ModuleList<Conv2d>();
        long cin = 3;
        foreach (int c in StageChannels)
        {
            convs.Add(nn.Conv2d(cin, c, 3, padding: 1));
            cin = c;
        }
        head = nn.Conv2d(cin, shapeClasses + colourClasses, 1);
        RegisterComponents();
    }

    /// <summary>Shape classes per cell (index 0: no object).</summary>
    public int ShapeClasses { get; }

    /// <summary>Colour classes per cell (index 0: no object).</summary>
    public int ColourClasses { get; }

    /// <summary>The four stage outputs (after their ReLU, before the pool) of images [B, 3, H, W] in [-1, 1].</summary>
    public IReadOnlyList<Tensor> Features(Tensor images)
    {
        ArgumentNullException.ThrowIfNull(images);
        var features = new List<Tensor>(StageChannels.Count);
        var h = images;
        for (int s = 0; s < StageChannels.Count; s++)
        {
            if (s > 0) h = nn.functional.max_pool2d(h, 2);
            h = nn.functional.relu(UnfoldConvolution.Forward(convs[s], h));
            features.Add(h);
        }
        return features;
    }

    /// <summary>Per-cell logits [B, shapes + colours, 3, 3] (row-major cells).</summary>
    public override Tensor forward(Tensor images)
    {
        using var scope = NewDisposeScope();
        var last = Features(images)[^1];
        return UnfoldConvolution.Forward(head, nn.functional.adaptive_avg_pool2d(last, [3, 3])).MoveToOuterDisposeScope();
    }
}
