using static TorchSharp.torch;

namespace Media.Tokenizers.Audio.Encodec;

/// <summary>
/// One codebook of K vectors (HF <c>EncodecEuclideanCodebook</c>). Buffers as in the checkpoint:
/// <c>embed</c> [K, D] (the codes), and the training statistics <c>inited</c>, <c>cluster_size</c>,
/// <c>embed_avg</c>, kept so our state dict matches the public one key for key.
/// </summary>
public sealed class EuclideanCodebook : nn.Module
{
    readonly Tensor inited, cluster_size, embed, embed_avg;

    /// <summary>Creates a codebook with random unit-variance codes.</summary>
    public EuclideanCodebook(long codebookSize, long dimension) : base(nameof(EuclideanCodebook))
    {
        inited = ones(1);
        cluster_size = zeros(codebookSize);
        embed = randn(codebookSize, dimension);
        embed_avg = embed.clone();
        RegisterComponents();
    }

    /// <summary>The codes [K, D].</summary>
    public Tensor Embed => embed;

    /// <summary>Index of the nearest code by squared Euclidean distance, for vectors [..., D].</summary>
    public Tensor Encode(Tensor vectors)
    {
        ArgumentNullException.ThrowIfNull(vectors);
        using var scope = NewDisposeScope();
        var flat = vectors.reshape(-1, vectors.shape[^1]);
        // |x - e|^2 = |x|^2 - 2 x.e + |e|^2; |x|^2 does not change the argmin but keeps the distances honest.
        var distance = flat.square().sum(1, keepdim: true) - 2 * flat.matmul(embed.t()) + embed.square().sum(1).unsqueeze(0);
        return distance.argmin(1).reshape(vectors.shape[..^1]).MoveToOuterDisposeScope();
    }

    /// <summary>The code vectors [..., D] of indices [...].</summary>
    public Tensor Decode(Tensor indices)
    {
        ArgumentNullException.ThrowIfNull(indices);
        using var scope = NewDisposeScope();
        long[] shape = [.. indices.shape, embed.shape[1]];
        return embed.index_select(0, indices.reshape(-1)).reshape(shape).MoveToOuterDisposeScope();
    }
}
