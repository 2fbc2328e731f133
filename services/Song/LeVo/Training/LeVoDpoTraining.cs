using Media.Modeling.Checkpoints;
using Media.Modeling.Training;
using static TorchSharp.torch;

namespace Media.Services.Song.LeVo.Training;

/// <summary>
/// LeVo's DPO post-training: the policy starts from the two-stage model (<paramref name="pretrained"/>, its exported
/// folder), the reference is a frozen copy of the same, and each step draws <c>batch</c> preference pairs (deterministic by
/// step) and minimises <see cref="LeVoDpo.Loss"/> (with its optional NLL term on the chosen samples) with the shared
/// <see cref="Trainer{TBatch}"/>. Every parameter of LeLM is trained over all three streams, as in LeVo, or (mixed-only)
/// the main LM's over the mixed stream.
/// </summary>
public sealed class LeVoDpoTraining : IDisposable
{
    readonly IReadOnlyList<LeVoPreferencePair> pairs;
    readonly int batch;
    readonly LeLmModel reference;
    readonly string pretrained;

    /// <summary>A fresh or resumed DPO run over <paramref name="pairs"/>.</summary>
    public LeVoDpoTraining(string pretrained, IReadOnlyList<LeVoPreferencePair> pairs, int batch, double beta, TrainerOptions trainerOptions, Device device,
        Action<long, LeVoDpoParts>? stepLosses = null, double nllWeight = 0, bool mixedOnly = false)
    {
        ArgumentNullException.ThrowIfNull(pairs);
        ArgumentNullException.ThrowIfNull(trainerOptions);
        if (pairs.Count == 0) throw new ArgumentException("DPO needs at least one preference pair.", nameof(pairs));
        ArgumentOutOfRangeException.ThrowIfLessThan(batch, 1);
        if (!double.IsFinite(beta) || beta <= 0) throw new ArgumentOutOfRangeException(nameof(beta), beta, "beta must be positive.");
        if (!double.IsFinite(nllWeight) || nllWeight < 0) throw new ArgumentOutOfRangeException(nameof(nllWeight), nllWeight, "The NLL weight is non-negative.");
        Config = LeVoCheckpoint.ReadConfig(pretrained);
        if (!Config.IsTrained) throw new ArgumentException($"'{pretrained}' holds no two-stage LeVo model to post-train.", nameof(pretrained));
        this.pairs = pairs;
        this.batch = batch;
        this.pretrained = pretrained;
        Beta = beta;
        manual_seed(trainerOptions.Seed);
        Model = ModelFolder.Load(pretrained, () => new LeLmModel(Config), device);
        reference = ModelFolder.Load(pretrained, () => new LeLmModel(Config), device);
        foreach (var p in reference.parameters()) p.requires_grad = false;
        // Mixed-only DPO trains what stage 1 trained; the sub-decoder's side stays frozen, as in LeVo's modular training.
        Model.SetTrainable(mainLm: true, subDecoder: !mixedOnly);
        Trainer = new Trainer<LeVoDpoBatch>(Model, Batch,
            b =>
            {
                var loss = LeVoDpo.Loss(Model, reference, b, beta, nllWeight, mixedOnly);
                stepLosses?.Invoke(Trainer!.Step, loss);
                return loss.Total;
            },
            trainerOptions, b => b.Chosen.shape[0]);
    }

    /// <summary>The model's shape (the pre-DPO model's).</summary>
    public LeVoConfig Config { get; }

    /// <summary>The DPO temperature.</summary>
    public double Beta { get; }

    /// <summary>The policy being trained.</summary>
    public LeLmModel Model { get; }

    /// <summary>The loop.</summary>
    public Trainer<LeVoDpoBatch> Trainer { get; }

    /// <summary>The pairs of a position, drawn by its own random.</summary>
    public LeVoDpoBatch Batch(BatchPosition position)
    {
        var random = position.CreateRandom();
        return LeVoDpo.Batch(Config, [.. Enumerable.Range(0, batch).Select(_ => pairs[random.Next(pairs.Count)])], position.Device);
    }

    /// <summary>Trains to the run's total steps, or until <paramref name="budget"/> passes; a checkpoint is written either way.</summary>
    public void Run(TimeSpan? budget = null, CancellationToken cancellationToken = default) =>
        Trainer.RunFor(budget, cancellationToken: cancellationToken);

    /// <summary>
    /// Writes the post-trained model folder (fp16, DPO steps in its config) with the tokenizer beside it, and the pre-DPO
    /// model in its <see cref="LeVoCheckpoint.PreDpoFolder"/> (what <c>media eval song</c> measures the preference gain against).
    /// </summary>
    public void Export(string directory)
    {
        Model.eval();
        LeVoCheckpoint.Copy(pretrained, Path.Combine(directory, LeVoCheckpoint.PreDpoFolder));
        LeVoCheckpoint.Copy(pretrained, directory);
        LeVoCheckpoint.Save(directory, Model, Config with { DpoSteps = Trainer.Step });
        Model.train();
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        Trainer.Dispose();
        Model.Dispose();
        reference.Dispose();
    }
}
