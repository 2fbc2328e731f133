using Media.Modeling.Transformers;
using Media.Services.Song.Model;
using TorchSharp;
using static TorchSharp.torch;

namespace Media.Services.Song.Training;

/// <summary>
/// One training batch: stream ids [B, streams, T] (and mixed-pro's vocal targets [B, K, T]), each row's condition (null:
/// dropped, for guidance), the optimizer step it is for (the loss weights anneal with it), and optionally a weight per
/// predicted step [T - 1] (the song's opening weighted up: <see cref="SongGenTrainingOptions.OpeningWeight"/>).
/// </summary>
public sealed record SongBatch(Tensor Streams, Tensor? VocalTargets, IReadOnlyList<SongCondition?> Conditions, long Step, Tensor? StepWeights = null)
{
    /// <summary>What the decoder reads, when not <see cref="Streams"/> itself (rows with their later codebooks hidden); the targets stay <see cref="Streams"/>.</summary>
    public Tensor? InputStreams { get; init; }
}

/// <summary>A loss with its parts: the weighted total, each codebook's mean cross-entropy, mixed-pro's vocal loss.</summary>
public sealed record SongLossParts(Tensor Total, double[] Codebooks, double? Vocal);

/// <summary>
/// SongGen's objective: next-step cross-entropy per token stream, only where the target is a real code (the delay
/// pattern's bos and pad positions are fixed by the layout and forced in generation), each codebook's mean (the two
/// tracks' codebook k together in the dual-track modes, as SongGen's <c>i % num_codebooks</c>) weighted by
/// <see cref="CodebookLossWeights"/>; mixed-pro adds 0.1 x the same for the auxiliary vocal heads. A batch's step weights,
/// when it has them, make each mean a weighted one.
/// </summary>
public static class SongGenLoss
{
    /// <summary>SongGen's weight of the auxiliary vocal loss.</summary>
    public const double VocalWeight = 0.1;

    /// <summary>
    /// The loss of <paramref name="batch"/> at <paramref name="step"/> of <paramref name="totalSteps"/>, the codebook weights
    /// annealed from <paramref name="initialWeights"/> (null: SongGen's).
    /// </summary>
    public static SongLossParts Compute(SongGenModel model, SongBatch batch, long step, long totalSteps, IReadOnlyList<double>? initialWeights = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(batch);
        var config = model.Config;
        using var scope = NewDisposeScope();
        var inputs = (batch.InputStreams ?? batch.Streams).narrow(2, 0, batch.Streams.shape[2] - 1);
        var (logits, vocal) = model.Forward(inputs, model.Memory(batch.Conditions));
        var weights = CodebookLossWeights.At(step, totalSteps, config.Codebooks, initialWeights);
        var (total, parts) = Weighted(logits, batch.Streams.narrow(2, 1, inputs.shape[2]), weights, batch.StepWeights, config);
        double? vocalLoss = null;
        if (vocal is not null && batch.VocalTargets is { } targets)
        {
            var (v, _) = Weighted(vocal, targets.narrow(2, 1, inputs.shape[2]), weights, batch.StepWeights, config);
            vocalLoss = v.item<float>();
            total = total + VocalWeight * v;
        }
        return new SongLossParts(total.MoveToOuterDisposeScope(), parts, vocalLoss);
    }

    static (Tensor Total, double[] Parts) Weighted(Tensor logits, Tensor targets, double[] weights, Tensor? stepWeights, SongGenConfig config)
    {
        // logits [B, T, S, V], targets [B, S, T]
        int streams = (int)targets.shape[1], k = config.Codebooks;
        var flat = logits.permute(0, 2, 1, 3);                                        // [B, S, T, V]
        var perToken = nn.functional.cross_entropy(flat.reshape(-1, flat.shape[3]), targets.reshape(-1), reduction: nn.Reduction.None)
            .view(targets.shape);
        var real = targets.lt(config.CodebookSize).to(perToken.dtype);
        if (stepWeights is not null) real = real * stepWeights.to(perToken.dtype).view(1, 1, -1);
        Tensor total = zeros([], device: logits.device);
        var parts = new double[k];
        for (int c = 0; c < k; c++)
        {
            var rows = Enumerable.Range(0, streams).Where(s => s % k == c).Select(s => (long)s).ToArray();
            var index = tensor(rows, device: logits.device);
            var mask = real.index_select(1, index);
            var loss = (perToken.index_select(1, index) * mask).sum() / mask.sum().clamp_min(1);
            parts[c] = loss.item<float>();
            total = total + weights[c] * loss;
        }
        return (total, parts);
    }
}
