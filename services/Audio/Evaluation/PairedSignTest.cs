namespace Media.Services.Audio.Evaluation;

/// <summary>
/// Two models scored right or wrong on the same prompts: the prompts only one got right, and the exact two-sided sign
/// (McNemar) test on them. At 50 prompts an accuracy moves by 0.06-0.07 from sampling alone, so a table of two rows cannot
/// say which model is better; the prompts where they disagree can.
/// </summary>
public sealed record PairedSignTest(int Better, int Worse)
{
    /// <summary>Compares <paramref name="candidate"/> with <paramref name="baseline"/>, prompt by prompt (the same order).</summary>
    public static PairedSignTest Of(IReadOnlyList<bool> candidate, IReadOnlyList<bool> baseline)
    {
        ArgumentNullException.ThrowIfNull(candidate);
        ArgumentNullException.ThrowIfNull(baseline);
        if (candidate.Count != baseline.Count) throw new ArgumentException($"Both models must be scored on the same prompts ({candidate.Count} against {baseline.Count}).", nameof(baseline));
        int better = 0, worse = 0;
        for (int i = 0; i < candidate.Count; i++)
        {
            if (candidate[i] && !baseline[i]) better++;
            else if (!candidate[i] && baseline[i]) worse++;
        }
        return new PairedSignTest(better, worse);
    }

    /// <summary>
    /// The probability, were both models equally good, of a split at least this uneven among the discordant prompts:
    /// 2 P(X &lt;= min(better, worse)) for X ~ Binomial(better + worse, 1/2), at most 1 (1 when they never disagree).
    /// </summary>
    public double PValue
    {
        get
        {
            int n = Better + Worse, k = Math.Min(Better, Worse);
            if (n == 0) return 1;
            // C(n, i) / 2^n term by term in log space (C(n, i + 1) = C(n, i) (n - i) / (i + 1)), so no factorial overflows.
            double tail = 0, logTerm = -n * Math.Log(2);
            for (int i = 0; i <= k; i++)
            {
                tail += Math.Exp(logTerm);
                logTerm += Math.Log(n - i) - Math.Log(i + 1);
            }
            return Math.Min(1, 2 * tail);
        }
    }
}
