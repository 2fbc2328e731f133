using static TorchSharp.torch;

namespace Media.Services.Image.Training.Perceptual;

/// <summary>
/// LPIPS's distance without its learned per-channel weights (the paper's "baseline" variant): each stage's features are
/// unit-normalised over channels, and the squared differences are summed over channels, averaged over positions and summed over
/// stages. The network is frozen (eval mode, no parameter gradients); gradients flow to the images only.
/// </summary>
public sealed class PerceptualDistance
{
    readonly SceneFeatureNet network;

    /// <summary>The distance under <paramref name="network"/> (set to eval and frozen here).</summary>
    public PerceptualDistance(SceneFeatureNet network)
    {
        ArgumentNullException.ThrowIfNull(network);
        this.network = network;
        network.eval();
        foreach (var p in network.parameters()) p.requires_grad = false;
    }

    /// <summary>The mean distance over the batch between images and reconstructions [B, 3, H, W] in [-1, 1] (a scalar).</summary>
    public Tensor Distance(Tensor images, Tensor reconstructions)
    {
        ArgumentNullException.ThrowIfNull(images);
        ArgumentNullException.ThrowIfNull(reconstructions);
        using var scope = NewDisposeScope();
        IReadOnlyList<Tensor> features;
        using (no_grad()) features = network.Features(images);
        return Distance(features, reconstructions).MoveToOuterDisposeScope();
    }

    /// <summary>The same distance, from the images' stage features already computed (<see cref="SceneFeatureNet.Features"/>, no gradient).</summary>
    public Tensor Distance(IReadOnlyList<Tensor> imageFeatures, Tensor reconstructions)
    {
        ArgumentNullException.ThrowIfNull(imageFeatures);
        ArgumentNullException.ThrowIfNull(reconstructions);
        using var scope = NewDisposeScope();
        var a = imageFeatures;
        var b = network.Features(reconstructions);
        Tensor? total = null;
        for (int s = 0; s < a.Count; s++)
        {
            var d = (Normalize(a[s]) - Normalize(b[s])).square().sum(1).mean();
            total = total is null ? d : total + d;
        }
        return total!.MoveToOuterDisposeScope();
    }

    static Tensor Normalize(Tensor x) => x / (x.square().sum(1, keepdim: true).sqrt() + 1e-10);
}
