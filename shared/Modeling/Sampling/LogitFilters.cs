using Media.Modeling.Devices;
using TorchSharp;
using static TorchSharp.torch;
using Media.Modeling.Tensors;

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
        // Every number these operations take is a temporary Scalar (and every tensor subtraction an alpha of 1): the gate keeps
        // the finalizer thread from freeing one mid-call, whether or not the caller holds a section already.
        using var inFlight = FinalizerGate.Enter();
        using var scope = NewDisposeScope();
        long vocab = logits.shape[^1];
        var x = logits.to_type(ScalarType.Float32);
        // Dividing by 1 changes nothing, so rows at temperature 1 (and greedy rows) cost no division.
        if (rows.Any(r => !r.IsGreedy && r.Temperature != 1.0))
            x = x / RowValues(rows.Select(r => r.IsGreedy ? 1.0 : r.Temperature), logits);
        var k = rows.Select(r => r.IsGreedy || r.TopK <= 0 || r.TopK >= vocab ? vocab : (long)r.TopK).ToArray();
        var p = rows.Select(r => r.IsGreedy ? 1.0 : r.TopP).ToArray();
        return Truncate(x, k, p).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// <see cref="TopKTopP"/> with the settings known on the host, so it does only the work they need: nothing when
    /// every row keeps everything; a top-k threshold without any sort when no row uses top-p; and otherwise a sort
    /// of the top-k survivors only (the whole vocabulary only for a row with top-p but no top-k). Keeps exactly the
    /// tokens <see cref="TopKTopP"/> keeps: ties with the k-th logit stay, and equal logits are ordered by token id.
    /// </summary>
    static Tensor Truncate(Tensor x, long[] k, double[] p)
    {
        using var scope = NewDisposeScope();
        long vocab = x.shape[^1];
        bool anyK = k.Any(v => v < vocab), anyP = p.Any(v => v < 1);
        if (!anyK && !anyP) return x.clone().MoveToOuterDisposeScope();
        long kMax = k.Max();
        var kIndex = tensor(k.Select(v => v - 1).ToArray(), device: x.device).view(ViewShape(x, k.Length)).expand(Prefix(x, 1));
        Tensor kth, sorted, order;
        if (kMax == vocab)
        {
            // A row without top-k needs the whole order for its nucleus: one stable sort, as TopKTopP does.
            (sorted, order) = x.sort(-1, descending: true, stable: true);
            kth = sorted.gather(-1, kIndex);
            if (!anyP) return x.MaskedFill(x < kth, double.NegativeInfinity).MoveToOuterDisposeScope();
        }
        else
        {
            var (top, topIds) = x.topk((int)kMax, -1, largest: true, sorted: true);
            kth = top.gather(-1, kIndex);
            if (!anyP) return x.MaskedFill(x < kth, double.NegativeInfinity).MoveToOuterDisposeScope();
            // Logits tied with a row's k-th survive too, so a row may keep more than k: read them all (one host read).
            long survivors = (x >= kth).sum(-1).max().item<long>();
            if (survivors > kMax) (top, topIds) = x.topk((int)survivors, -1, largest: true, sorted: true);
            // topk leaves the order of equal logits open: put them in token-id order, then a stable sort by value.
            var byId = topIds.argsort(-1);
            var (values, ids) = (top.gather(-1, byId), topIds.gather(-1, byId));
            (sorted, var within) = values.sort(-1, descending: true, stable: true);
            order = ids.gather(-1, within);
        }
        var sortedKept = sorted.MaskedFill(sorted < kth, double.NegativeInfinity);
        // Mass strictly before each sorted token; drop a token once that mass already reaches p (the first always stays).
        var probs = sortedKept.softmax(-1);
        var before = probs.cumsum(-1) - probs;
        var pLimit = RowValues(p.Select(v => v >= 1 ? double.PositiveInfinity : v), x);
        var keepSorted = (before < pLimit).logical_and(sortedKept.isneginf().logical_not());
        var keep = zeros(x.shape, ScalarType.Bool, x.device).scatter(-1, order, keepSorted);
        return x.MaskedFill(keep.logical_not(), double.NegativeInfinity).MoveToOuterDisposeScope();
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
        using var inFlight = FinalizerGate.Enter();
        using var scope = NewDisposeScope();
        long vocab = logits.shape[^1];
        // One stable descending sort serves both filters: equal logits stay in token-id order.
        var (sorted, order) = logits.sort(-1, descending: true, stable: true);

        var k = where((topK <= 0).logical_or(topK > vocab), HeldScalars.FullLike(topK, vocab), topK) - 1;
        var kIndex = k.view(ViewShape(logits, k.shape[0])).expand(Prefix(logits, 1));
        var kth = sorted.gather(-1, kIndex);
        var sortedKept = sorted.MaskedFill(sorted < kth, double.NegativeInfinity);

        // Mass strictly before each sorted token; drop a token once that mass already reaches p.
        var probs = sortedKept.softmax(-1);
        var before = probs.cumsum(-1) - probs;
        var p = where(topP >= 1, HeldScalars.FullLike(topP, double.PositiveInfinity), topP);
        // The first sorted token has nothing before it, so at least one token always survives.
        var dropSorted = (before >= p).logical_or(sortedKept.isneginf());
        var drop = zeros_like(dropSorted).scatter(-1, order, dropSorted);
        return logits.MaskedFill(drop, double.NegativeInfinity).MoveToOuterDisposeScope();
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
