using Media.Modeling.Transformers;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Media.Services.Image.TokenShuffle;

/// <summary>One residual MLP block of Token-Shuffle's input and output sides: x + fc2(silu(fc1(norm(x)))).</summary>
public sealed class ResidualMlpBlock : nn.Module<Tensor, Tensor>
{
    readonly RmsNorm norm;
    readonly Linear fc1;
    readonly Linear fc2;

    /// <summary>A block of width <paramref name="dim"/> with a 4x hidden layer.</summary>
    public ResidualMlpBlock(int dim) : base(nameof(ResidualMlpBlock))
    {
        norm = new RmsNorm(dim, 1e-5);
        fc1 = nn.Linear(dim, 4L * dim);
        fc2 = nn.Linear(4L * dim, dim);
        RegisterComponents();
    }

    /// <inheritdoc />
    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        return (x + fc2.call(nn.functional.silu(fc1.call(norm.call(x))))).MoveToOuterDisposeScope();
    }
}
