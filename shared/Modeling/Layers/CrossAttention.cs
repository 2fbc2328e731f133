using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Media.Modeling.Layers;

/// <summary>
/// Multi-head cross-attention from tokens [B, N, D] to a context [B, M, D], with separate <c>q</c>,
/// <c>k</c>, <c>v</c> projections and <c>proj</c> as in D-AR's decoder attention.
/// </summary>
public sealed class CrossAttention : nn.Module<Tensor, Tensor, Tensor>
{
    readonly Linear q;
    readonly Linear k;
    readonly Linear v;
    readonly Linear proj;

    /// <summary>Cross-attention over <paramref name="dim"/> features split into <paramref name="heads"/> heads.</summary>
    public CrossAttention(long dim, long heads) : base(nameof(CrossAttention))
    {
        if (heads <= 0 || dim <= 0 || dim % heads != 0)
            throw new ArgumentException($"The width {dim} must be a positive multiple of the head count {heads}.", nameof(heads));
        Heads = heads;
        q = nn.Linear(dim, dim);
        k = nn.Linear(dim, dim);
        v = nn.Linear(dim, dim);
        proj = nn.Linear(dim, dim);
        RegisterComponents();
    }

    /// <summary>Number of attention heads.</summary>
    public long Heads { get; }

    /// <summary>Each token attends to the whole context.</summary>
    public override Tensor forward(Tensor x, Tensor context)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(context);
        if (context.dim() != 3 || context.shape[0] != x.shape[0] || context.shape[2] != x.shape[2])
            throw new ArgumentException($"The context must be [B={x.shape[0]}, M, D={x.shape[2]}], got [{string.Join(", ", context.shape)}].", nameof(context));
        using var scope = NewDisposeScope();
        long b = x.shape[0], n = x.shape[1], m = context.shape[1], d = x.shape[2], hd = d / Heads;
        var queries = q.call(x).view(b, n, Heads, hd).transpose(1, 2);
        var keys = k.call(context).view(b, m, Heads, hd).transpose(1, 2);
        var values = v.call(context).view(b, m, Heads, hd).transpose(1, 2);
        var attended = nn.functional.scaled_dot_product_attention(queries, keys, values);
        return proj.call(attended.transpose(1, 2).reshape(b, n, d)).MoveToOuterDisposeScope();
    }
}
