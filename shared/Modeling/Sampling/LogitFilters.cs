using TorchSharp;
using static TorchSharp.torch;

namespace Media.Modeling.Sampling;

/// <summary>
/// The truncation steps of token sampling, vectorised over rows that each carry their own setting.
/// Logits are [rows, vocab] or [rows, k, vocab]; removed tokens get -inf.
/// </summary>
public static class LogitFilters
{
    /// <summary>
    /// Temperature, then top-k, then top-p, as LlamaGen orders them, each with the row's own values.
    /// Greedy rows (temperature 0) are left at temperature 1 and unfiltered: their argmax is taken elsewhere.
    /// </summary>
    public static Tensor Apply(Tensor logits, IReadOnlyList<SamplingParameters> rows)
    {
        ArgumentNullException.ThrowIfNull(logits);
        ArgumentNullException.ThrowIfNull(rows);
        CheckShape(logits, rows.Count);
        foreach (var row in rows) row.Validate();
        using var scope = NewDisposeScope();
        var device = logits.device;
        var temperature = RowValues(rows.Select(r => r.IsGreedy ? 1.0 : r.Temperature), logits);
        var topK = tensor(rows.Select(r => (long)(r.IsGreedy ? 0 : r.TopK)).ToArray(), device: device);
        var topP = RowValues(rows.Select(r => r.IsGreedy ? 1.0 : r.TopP), logits);
        return TopKTopP(logits.to_type(ScalarType.Float32) / temperature, topK, topP).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Keeps, per row, the tokens whose logit is at least the k-th largest (<paramref name="topK"/> is [rows]
    /// long, values &lt;= 0 or &gt;= vocab keep everything), then the smallest prefix of the remaining tokens in
    /// descending order (ties broken by lower token id) whose probability mass is &gt;= p (<paramref name="topP"/>
    /// broadcastable to [rows, 1(, 1)]; values &gt;= 1 keep everything). The first token always stays.
    /// </summary>
    public static Tensor TopKTopP(Tensor logits, Tensor topK, Tensor topP)
    {
        ArgumentNullException.ThrowIfNull(logits);
        ArgumentNullException.ThrowIfNull(topK);
        ArgumentNullException.ThrowIfNull(topP);
        using var scope = NewDisposeScope();
        long vocab = logits.shape[^1];
        // One stable descending sort serves both filters: equal logits stay in token-id order.
        var (sorted, order) = logits.sort(-1, descending: true, stable: true);

        var k = where((topK <= 0).logical_or(topK > vocab), full_like(topK, vocab), topK) - 1;
        var kIndex = k.view(ViewShape(logits, k.shape[0])).expand(Prefix(logits, 1));
        var kth = sorted.gather(-1, kIndex);
        var sortedKept = sorted.masked_fill(sorted < kth, float.NegativeInfinity);

        // Mass strictly before each sorted token; drop a token once that mass already reaches p.
        var probs = sortedKept.softmax(-1);
        var before = probs.cumsum(-1) - probs;
        var p = where(topP >= 1, full_like(topP, float.PositiveInfinity), topP);
        // The first sorted token has nothing before it, so at least one token always survives.
        var dropSorted = (before >= p).logical_or(sortedKept == float.NegativeInfinity);
        var drop = zeros_like(dropSorted).scatter(-1, order, dropSorted);
        return logits.masked_fill(drop, float.NegativeInfinity).MoveToOuterDisposeScope();
    }

    /// <summary>Row values as a float tensor shaped [rows, 1] or [rows, 1, 1] to broadcast over <paramref name="like"/>.</summary>
    internal static Tensor RowValues(IEnumerable<double> values, Tensor like)
    {
        var t = tensor(values.Select(v => (float)v).ToArray(), device: like.device);
        return t.view(ViewShape(like, t.shape[0]));
    }

    internal static void CheckShape(Tensor logits, int rowCount)
    {
        if (logits.dim() is not (2 or 3))
            throw new ArgumentException($"Logits must be [rows, vocab] or [rows, k, vocab], got [{string.Join(", ", logits.shape)}].", nameof(logits));
        if (logits.shape[0] != rowCount)
            throw new ArgumentException($"{rowCount} parameter sets for {logits.shape[0]} rows of logits.", nameof(logits));
        if (logits.shape[^1] == 0) throw new ArgumentException("Logits have an empty vocabulary.", nameof(logits));
    }

    static long[] ViewShape(Tensor like, long rows) => like.dim() == 3 ? [rows, 1, 1] : [rows, 1];

    static long[] Prefix(Tensor like, long last) => [.. like.shape[..^1], last];
}
