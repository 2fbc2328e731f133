namespace Media.Services.Song.Training;

/// <summary>
/// SongGen's annealed codebook loss weights (its training script's <c>dynamic_loss_weights_step</c>): the first three
/// codebooks, which carry most of the content, start five times heavier than the rest (SongGen's 0.25 / 0.05 for 8
/// codebooks, here normalised for any K), and the weights move toward uniform in stages, alpha = 0, 0.3, 0.6, 0.8 of the
/// way after 30 %, 60 % and 80 % of training: w = (1 - alpha) w0 + alpha / K.
/// </summary>
public static class CodebookLossWeights
{
    static readonly double[] Boundaries = [0.3, 0.6, 0.8];
    static readonly double[] Alphas = [0.0, 0.3, 0.6, 0.8];

    /// <summary>
    /// The weights of <paramref name="codebooks"/> codebooks at <paramref name="step"/> of <paramref name="totalSteps"/>,
    /// annealed from SongGen's start or from <paramref name="initial"/> (one non-negative weight a codebook, normalised
    /// here; a departure the run names).
    /// </summary>
    public static double[] At(long step, long totalSteps, int codebooks, IReadOnlyList<double>? initial = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(codebooks, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(totalSteps, 1);
        Check(initial, codebooks);
        double progress = (double)step / totalSteps;
        // torch.bucketize(right=False): a stage starts once progress is past its boundary.
        double alpha = Alphas[Boundaries.Count(b => progress > b)];
        var start = initial?.ToArray() ?? [.. Enumerable.Range(0, codebooks).Select(k => k < 3 ? 5.0 : 1.0)];
        double sum = start.Sum();
        return [.. start.Select(w => (1 - alpha) * w / sum + alpha / codebooks)];
    }

    /// <summary>Throws an <see cref="ArgumentException"/> unless <paramref name="initial"/> is null or K finite non-negative weights, not all zero.</summary>
    public static void Check(IReadOnlyList<double>? initial, int codebooks)
    {
        if (initial is null) return;
        if (initial.Count != codebooks || initial.Any(w => !double.IsFinite(w) || w < 0) || initial.Sum() <= 0)
            throw new ArgumentException($"The initial codebook weights are {codebooks} non-negative numbers, not all zero; got [{string.Join(", ", initial)}].", nameof(initial));
    }
}
