using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Media.Modeling.Layers;

/// <summary>timm's Mlp as DiT uses it: <c>fc1</c> -> GELU (tanh approximation) -> <c>fc2</c>.</summary>
public sealed class Mlp : nn.Module<Tensor, Tensor>
{
    readonly Linear fc1;
    readonly GELU act;
    readonly Linear fc2;

    /// <summary>An MLP <paramref name="dim"/> -> <paramref name="hidden"/> -> <paramref name="dim"/>.</summary>
    public Mlp(long dim, long hidden) : base(nameof(Mlp))
    {
        if (dim <= 0 || hidden <= 0) throw new ArgumentOutOfRangeException(nameof(hidden), "MLP widths must be positive.");
        fc1 = nn.Linear(dim, hidden);
        act = nn.GELU(GELU.Approximate.tanh);
        fc2 = nn.Linear(hidden, dim);
        RegisterComponents();
    }

    /// <inheritdoc />
    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        return fc2.call(act.call(fc1.call(x))).MoveToOuterDisposeScope();
    }
}
