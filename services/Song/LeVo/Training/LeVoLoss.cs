using TorchSharp;
using static TorchSharp.torch;

namespace Media.Services.Song.LeVo.Training;

/// <summary>One training batch: layout steps [B, 3, S] (padded with the special id), each row's condition (null: dropped, for guidance).</summary>
public sealed record LeVoBatch(Tensor Steps, IReadOnlyList<LeVoCondition?> Conditions, long Step);

/// <summary>A stage's loss and its parts: the mixed stream's, the vocal's and the accompaniment's mean cross-entropy (the stage's own ones).</summary>
public sealed record LeVoLossParts(Tensor Total, double? Mixed, double? Vocal, double? Accompaniment);

/// <summary>
/// LeVo's objective per stage: next-step cross-entropy where the target is a real token (empty layout slots and padding,
/// the special id, are skipped). Stage 1 trains the mixed stream; stage 2 the vocal and accompaniment streams, their mean.
/// </summary>
public static class LeVoLoss
{
    /// <summary>The loss of <paramref name="batch"/> for <paramref name="stage"/>.</summary>
    public static LeVoLossParts Compute(LeLmModel model, LeVoBatch batch, LeVoStage stage)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(batch);
        using var scope = NewDisposeScope();
        long steps = batch.Steps.shape[2] - 1;
        var inputs = batch.Steps.narrow(2, 0, steps);
        var targets = batch.Steps.narrow(2, 1, steps);
        bool lm = stage == LeVoStage.Lm;
        var (mixed, dual) = model.Forward(inputs, batch.Conditions, withSubDecoder: !lm, frozenLm: !lm);
        int special = model.Config.Special;
        if (lm)
        {
            var loss = Stream(mixed, targets.select(1, 0), special);
            return new LeVoLossParts(loss.MoveToOuterDisposeScope(), loss.item<float>(), null, null);
        }
        var vocal = Stream(dual!.select(2, 0), targets.select(1, 1), special);
        var accompaniment = Stream(dual.select(2, 1), targets.select(1, 2), special);
        var total = (vocal + accompaniment) / 2;
        return new LeVoLossParts(total.MoveToOuterDisposeScope(), null, vocal.item<float>(), accompaniment.item<float>());
    }

    /// <summary>Mean cross-entropy of logits [B, S, V] against targets [B, S], the special id skipped.</summary>
    public static Tensor Stream(Tensor logits, Tensor targets, int special)
    {
        ArgumentNullException.ThrowIfNull(logits);
        ArgumentNullException.ThrowIfNull(targets);
        return nn.functional.cross_entropy(logits.reshape(-1, logits.shape[^1]), targets.reshape(-1), ignore_index: special);
    }
}
