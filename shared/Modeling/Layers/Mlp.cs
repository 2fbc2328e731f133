using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Media.Modeling.Layers;

/// <summary>
/// timm's Mlp: <c>fc1</c> -> GELU -> <c>fc2</c>; DiT uses the tanh approximation of GELU, timm's ViT blocks (MAR) the exact one,
/// D-AR's tokenizer blocks SiLU (<c>act_layer=nn.SiLU</c>).
/// </summary>
public sealed class Mlp : nn.Module<Tensor, Tensor>
{
    readonly Linear fc1;
    readonly nn.Module<Tensor, Tensor> act;
    readonly Linear fc2;

    /// <summary>
    /// An MLP <paramref name="dim"/> -> <paramref name="hidden"/> -> <paramref name="dim"/>; <paramref name="tanhGelu"/> false uses the
    /// exact GELU, <paramref name="silu"/> SiLU instead of GELU.
    /// </summary>
    public Mlp(long dim, long hidden, bool tanhGelu = true, bool silu = false) : base(nameof(Mlp))
    {
        if (dim <= 0 || hidden <= 0) throw new ArgumentOutOfRangeException(nameof(hidden), "MLP widths must be positive.");
        fc1 = nn.Linear(dim, hidden);
        act = silu ? nn.SiLU() : nn.GELU(tanhGelu ? GELU.Approximate.tanh : GELU.Approximate.none);
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
