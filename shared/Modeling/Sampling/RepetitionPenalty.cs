using TorchSharp;
using static TorchSharp.torch;
using Media.Modeling.Tensors;

namespace Media.Modeling.Sampling;

/// <summary>
/// Penalises tokens that occur in the latest <see cref="SamplingParameters.RepetitionWindow"/> tokens of
/// each row's history, with the row's own factor and <see cref="RepetitionPenaltyMode"/>.
/// </summary>
public static class RepetitionPenalty
{
    /// <summary>
    /// Applies each row's penalty. <paramref name="logits"/> is [rows, vocab] or [rows, k, vocab] (the penalty
    /// is shared by the k positions of a row); <paramref name="history"/> is [rows, T] token ids, oldest first,
    /// where negative ids are padding. Returns new logits (float32).
    /// </summary>
    public static Tensor Apply(Tensor logits, Tensor history, IReadOnlyList<SamplingParameters> rows)
    {
        ArgumentNullException.ThrowIfNull(logits);
        ArgumentNullException.ThrowIfNull(history);
        ArgumentNullException.ThrowIfNull(rows);
        if (logits.dim() is not (2 or 3)) throw new ArgumentException($"Logits must be [rows, vocab] or [rows, k, vocab], got [{string.Join(", ", logits.shape)}].", nameof(logits));
        long rowCount = logits.shape[0], vocab = logits.shape[^1];
        if (history.dim() != 2 || history.shape[0] != rowCount)
            throw new ArgumentException($"History must be [rows={rowCount}, T], got [{string.Join(", ", history.shape)}].", nameof(history));
        if (rows.Count != rowCount) throw new ArgumentException($"{rows.Count} parameter sets for {rowCount} rows.", nameof(rows));
        foreach (var row in rows) row.Validate();

        using var scope = NewDisposeScope();
        var device = logits.device;
        var x = logits.to_type(ScalarType.Float32);
        long length = history.shape[1];
        if (length == 0 || rows.All(r => r.RepetitionPenalty == 1.0)) return x.clone().MoveToOuterDisposeScope();

        // Window per row: position p of T counts when p >= T - window (window 0 = all).
        var windows = tensor(rows.Select(r => r.RepetitionWindow == 0 ? length : Math.Min(r.RepetitionWindow, length)).ToArray(), device: device);
        var positions = arange(length, device: device).unsqueeze(0);
        var ids = history.to(device).to_type(ScalarType.Int64);
        var counted = (positions >= (length - windows).unsqueeze(1)).logical_and(ids >= 0).logical_and(ids < vocab);

        // Count occurrences with an extra column that swallows padding and out-of-window positions.
        var target = where(counted, ids, HeldScalars.FullLike(ids, vocab));
        var counts = zeros(rowCount, vocab + 1, device: device).scatter_add_(1, target, ones(target.shape, device: device))
            .narrow(1, 0, vocab);

        var penalty = tensor(rows.Select(r => (float)r.RepetitionPenalty).ToArray(), device: device).unsqueeze(1);
        var presenceFactor = where(counts > 0, penalty.expand(rowCount, vocab), ones_like(counts));
        var countFactor = pow(penalty, counts);
        var usesCount = tensor(rows.Select(r => r.RepetitionMode is RepetitionPenaltyMode.Count or RepetitionPenaltyMode.CountDivide).ToArray(), device: device).unsqueeze(1);
        var divideAll = tensor(rows.Select(r => r.RepetitionMode is RepetitionPenaltyMode.CountDivide or RepetitionPenaltyMode.PresenceDivide).ToArray(), device: device).unsqueeze(1);
        var factor = where(usesCount, countFactor, presenceFactor);
        if (x.dim() == 3)
        {
            factor = factor.unsqueeze(1);
            divideAll = divideAll.unsqueeze(1);
        }

        var signAware = where(x > 0, x / factor, x * factor);
        return where(divideAll, x / factor, signAware).MoveToOuterDisposeScope();
    }
}
