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
        var x = input.dtype == ScalarType.Float64 ? input : input.to(ScalarType.Float32);
        var normed = x * rsqrt(x.square().mean([-1L], keepdim: true) + eps);
        return (normed.to(input.dtype) * weight).MoveToOuterDisposeScope();
    }
}
