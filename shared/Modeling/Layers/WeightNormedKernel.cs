using Media.Modeling.Checkpoints;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Media.Modeling.Layers;

/// <summary>
/// A convolution's parameters under weight normalisation (Salimans and Kingma; PyTorch's <c>weight_norm</c> with dim 0):
/// the kernel is <c>weight_g * weight_v / ||weight_v||</c>, the norm over every dimension but the first, so the optimiser
/// moves each output filter's direction and length apart, as EnCodec and HiFi-GAN train. Keys are PyTorch's
/// (<c>weight_g</c>, <c>weight_v</c>, <c>bias</c>); <see cref="WeightNorm.FoldAll"/> turns a trained state into plain
/// <c>weight</c>s for inference.
/// </summary>
public sealed class WeightNormedKernel : nn.Module
{
    readonly Parameter weight_g;
    readonly Parameter weight_v;
    readonly Parameter? bias;

    /// <summary>Starts at <paramref name="weight"/> (v = weight, g = its norm per first-dimension slice, as <c>weight_norm</c> does) with <paramref name="bias"/>; both are copied.</summary>
    public WeightNormedKernel(Tensor weight, Tensor? bias) : base(nameof(WeightNormedKernel))
    {
        ArgumentNullException.ThrowIfNull(weight);
        using (no_grad())
        {
            var (g, v) = WeightNorm.Split(weight);
            weight_g = new Parameter(g);
            weight_v = new Parameter(v);
            this.bias = bias is null ? null : new Parameter(bias.detach().clone());
        }
        RegisterComponents();
    }

    /// <summary>The kernel the parameters stand for (differentiable in g and v).</summary>
    public Tensor Weight() => WeightNorm.Fold(weight_g, weight_v);

    /// <summary>The bias, if any.</summary>
    public Tensor? Bias => bias;
}
