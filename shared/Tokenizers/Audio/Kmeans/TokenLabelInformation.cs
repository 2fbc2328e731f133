namespace Media.Tokenizers.Audio.Kmeans;

/// <summary>
/// How much a token sequence says about a frame labelling (for example the character being spoken): the mutual
/// information I(token; label) in bits from the joint counts of (token, label) pairs, the label entropy H(label) it is
/// bounded by, and cluster purity (the share of frames whose label is their token's most common label).
/// </summary>
public sealed record TokenLabelInformation(double MutualInformationBits, double LabelEntropyBits, double Purity, long Frames)
{
    /// <summary>I(token; label) / H(label): the share of the label's uncertainty a token removes (0 none, 1 all).</summary>
    public double NormalizedMutualInformation => LabelEntropyBits > 0 ? MutualInformationBits / LabelEntropyBits : 0;

    /// <summary>The figures of (token, label) pairs; labels are any integers.</summary>
    public static TokenLabelInformation Measure(IEnumerable<(int Token, int Label)> pairs)
    {
        ArgumentNullException.ThrowIfNull(pairs);
        var joint = new Dictionary<(int, int), long>();
        var tokens = new Dictionary<int, long>();
        var labels = new Dictionary<int, long>();
        long n = 0;
        foreach (var (token, label) in pairs)
        {
            joint[(token, label)] = joint.GetValueOrDefault((token, label)) + 1;
            tokens[token] = tokens.GetValueOrDefault(token) + 1;
            labels[label] = labels.GetValueOrDefault(label) + 1;
            n++;
        }
        if (n == 0) throw new ArgumentException("No (token, label) pairs to measure.", nameof(pairs));
        double mi = 0;
        foreach (var ((token, label), count) in joint)
        {
            double p = (double)count / n;
            mi += p * Math.Log2(p * n * n / ((double)tokens[token] * labels[label]));
        }
        double entropy = -labels.Values.Sum(c => (double)c / n * Math.Log2((double)c / n));
        long majority = joint.GroupBy(kv => kv.Key.Item1).Sum(g => g.Max(kv => kv.Value));
        return new TokenLabelInformation(Math.Max(0, mi), entropy, (double)majority / n, n);
    }
}
