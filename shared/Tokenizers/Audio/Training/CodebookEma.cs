using Media.Tokenizers.Audio.Encodec;
using static TorchSharp.torch;

namespace Media.Tokenizers.Audio.Training;

/// <summary>
/// Training of one <see cref="EuclideanCodebook"/> by exponential moving averages (VQ-VAE-2 / EnCodec):
/// the codebook's buffers <c>cluster_size</c> and <c>embed_avg</c> track how often each code is chosen and
/// the sum of the vectors assigned to it; a code is their Laplace-smoothed ratio. Codes whose average use
/// falls below <see cref="DeadThreshold"/> are restarted on random vectors of the current batch.
/// </summary>
public sealed record CodebookEma
{
    /// <summary>EMA decay per step (EnCodec: 0.99).</summary>
    public double Decay { get; init; } = 0.99;

    /// <summary>Laplace smoothing of the counts, so unused codes never divide by zero.</summary>
    public double Epsilon { get; init; } = 1e-5;

    /// <summary>
    /// A code whose EMA count is below this is dead and restarted. EnCodec uses 2 with batches of thousands
    /// of vectors; with small CPU batches a count relative to the batch is the meaningful scale, so this is
    /// a fraction of the uniform share (vectors per step / codebook size).
    /// </summary>
    public double DeadThreshold { get; init; } = 0.1;

    /// <summary>
    /// Updates <paramref name="codebook"/> in place from <paramref name="vectors"/> [N, D] assigned to
    /// <paramref name="indices"/> [N]; returns the number of restarted codes.
    /// </summary>
    public int Update(EuclideanCodebook codebook, Tensor vectors, Tensor indices)
    {
        ArgumentNullException.ThrowIfNull(codebook);
        ArgumentNullException.ThrowIfNull(vectors);
        ArgumentNullException.ThrowIfNull(indices);
        if (vectors.dim() != 2 || indices.dim() != 1 || indices.shape[0] != vectors.shape[0])
            throw new ArgumentException($"Expected vectors [N, D] and indices [N]; got [{string.Join(", ", vectors.shape)}] and [{string.Join(", ", indices.shape)}].");
        var buffers = codebook.named_buffers().ToDictionary(b => b.name, b => b.buffer);
        Tensor embed = buffers["embed"], clusterSize = buffers["cluster_size"], embedAvg = buffers["embed_avg"];
        long codes = embed.shape[0], n = vectors.shape[0];

        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var x = vectors.detach().to(embed.dtype);
        var counts = zeros(codes, dtype: embed.dtype, device: embed.device).index_add_(0, indices, ones(n, dtype: embed.dtype, device: embed.device), 1);
        var sums = zeros_like(embed).index_add_(0, indices, x, 1);
        clusterSize.mul_(Decay).add_(counts, alpha: 1 - Decay);
        embedAvg.mul_(Decay).add_(sums, alpha: 1 - Decay);
        var total = clusterSize.sum();
        var smoothed = (clusterSize + Epsilon) / (total + codes * Epsilon) * total;
        embed.copy_(embedAvg / smoothed.unsqueeze(1));

        // Restart: a dead code takes a batch vector and the count of a fairly used code, so it survives
        // long enough (about ln(10) / (1 - decay) steps unused) to be chosen.
        double uniformShare = (double)n / codes;
        var dead = nonzero(clusterSize < DeadThreshold * uniformShare).squeeze(1);
        int restarted = (int)dead.shape[0];
        if (restarted == 0) return 0;
        var picks = randint(n, [restarted], dtype: ScalarType.Int64, device: embed.device);
        var fresh = x.index_select(0, picks);
        embed.index_copy_(0, dead, fresh);
        embedAvg.index_copy_(0, dead, fresh * uniformShare);
        clusterSize.index_fill_(0, dead, uniformShare);
        return restarted;
    }
}
