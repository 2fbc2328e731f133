using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Media.Modeling.Layers;

/// <summary>
/// timm's / DiT's multi-head self-attention: fused <c>qkv</c> projection (with bias), scaled dot-product
/// attention, output projection <c>proj</c>. [B, N, D] to [B, N, D].
/// </summary>
public sealed class SelfAttention : nn.Module<Tensor, Tensor>
{
    readonly Linear qkv;
    readonly Linear proj;

    /// <summary>Attention over <paramref name="dim"/> features split into <paramref name="heads"/> heads.</summary>
    public SelfAttention(long dim, long heads, bool qkvBias = true) : base(nameof(SelfAttention))
    {
        if (heads <= 0 || dim <= 0 || dim % heads != 0)
            throw new ArgumentException($"The width {dim} must be a positive multiple of the head count {heads}.", nameof(heads));
        Heads = heads;
        qkv = nn.Linear(dim, 3 * dim, hasBias: qkvBias);
        proj = nn.Linear(dim, dim);
        RegisterComponents();
    }

    /// <summary>Number of attention heads.</summary>
    public long Heads { get; }

    /// <summary>Full (bidirectional) attention of every token to every token.</summary>
    public override Tensor forward(Tensor x)
    {
        ArgumentNullException.ThrowIfNull(x);
        using var scope = NewDisposeScope();
        long b = x.shape[0], n = x.shape[1], d = x.shape[2];
        var parts = qkv.call(x).view(b, n, 3, Heads, d / Heads).permute(2, 0, 3, 1, 4);
        var attended = nn.functional.scaled_dot_product_attention(parts[0], parts[1], parts[2]);
        return proj.call(attended.transpose(1, 2).reshape(b, n, d)).MoveToOuterDisposeScope();
    }
}
