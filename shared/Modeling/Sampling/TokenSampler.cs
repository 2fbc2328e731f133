using Media.Modeling.Tensors;
using TorchSharp;
using static TorchSharp.torch;

namespace Media.Modeling.Sampling;

/// <summary>
/// Draws the next token(s) of a batch whose rows belong to different requests: repetition penalty, then
/// temperature, top-k, top-p, then one multinomial draw per row from the row's own generator (or the argmax
/// for greedy rows). Logits are [rows, vocab], or [rows, k, vocab] for k tokens per row drawn in parallel
/// (a Token-Shuffle window); the result is long [rows] or [rows, k].
/// </summary>
public static class TokenSampler
{
    /// <summary>Samples one token per row (per row and position for [rows, k, vocab] logits).</summary>
    /// <param name="logits">Guided logits, one row per request.</param>
    /// <param name="states">Each row's parameters and generator, in row order.</param>
    /// <param name="history">Optional [rows, T] earlier token ids (negative = padding) for the repetition penalty.</param>
    public static Tensor Sample(Tensor logits, IReadOnlyList<SamplingState> states, Tensor? history = null)
    {
        ArgumentNullException.ThrowIfNull(logits);
        ArgumentNullException.ThrowIfNull(states);
        var rows = states.Select(s => s.Parameters).ToArray();
        LogitFilters.CheckShape(logits, rows.Length);

        using var scope = NewDisposeScope();
        var x = history is null ? logits.to_type(ScalarType.Float32) : RepetitionPenalty.Apply(logits, history, rows);
        var greedy = x.argmax(-1);
        if (rows.All(r => r.IsGreedy)) return greedy.MoveToOuterDisposeScope();

        var probs = LogitFilters.Apply(x, rows).softmax(-1);
        var tokens = new Tensor[rows.Length];
        for (int i = 0; i < rows.Length; i++)
        {
            tokens[i] = rows[i].IsGreedy
                ? greedy[i]
                // [vocab] -> [1], [k, vocab] -> [k, 1]: the row's own generator makes the only draws.
                : SeededRandom.Categorical(probs[i], 1, states[i].Generator).squeeze(-1);
        }
        return stack(tokens).MoveToOuterDisposeScope();
    }

    /// <summary>The distribution a row draws from after penalty, temperature, top-k and top-p (greedy rows: softmax at temperature 1).</summary>
    public static Tensor Probabilities(Tensor logits, IReadOnlyList<SamplingParameters> rows, Tensor? history = null)
    {
        ArgumentNullException.ThrowIfNull(logits);
        ArgumentNullException.ThrowIfNull(rows);
        LogitFilters.CheckShape(logits, rows.Count);
        foreach (var row in rows) row.Validate();
        using var scope = NewDisposeScope();
        var x = history is null ? logits.to_type(ScalarType.Float32) : RepetitionPenalty.Apply(logits, history, rows);
        return LogitFilters.Apply(x, rows).softmax(-1).MoveToOuterDisposeScope();
    }
}
