using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Media.Modeling.Transformers;

/// <summary>RMSNorm: <c>x * rsqrt(mean(x^2) + eps) * weight</c>, normalised in fp32 as LlamaGen does.</summary>
public sealed class RmsNorm : nn.Module<Tensor, Tensor>
{
    readonly Parameter weight;
    readonly double eps;

    /// <summary>A norm over the last dimension of width <paramref name="dim"/>; weight starts at one.</summary>
    public RmsNorm(int dim, double eps = 1e-5) : base(nameof(RmsNorm))
    {
        this.eps = eps;
        weight = new Parameter(ones(dim));
        RegisterComponents();
    }

    /// <inheritdoc/>
    public override Tensor forward(Tensor input)
    {
        ArgumentNullException.ThrowIfNull(input);
        using var scope = NewDisposeScope();
        // No no-op conversions: a cached decode step runs two norms per layer, each operation microseconds.
        bool widen = input.dtype is not (ScalarType.Float32 or ScalarType.Float64);
        var x = widen ? input.to(ScalarType.Float32) : input;
        var normed = x * x.square().mean([-1L], keepdim: true).add_(eps).rsqrt_();
        return ((widen ? normed.to(input.dtype) : normed) * weight).MoveToOuterDisposeScope();
    }
}
