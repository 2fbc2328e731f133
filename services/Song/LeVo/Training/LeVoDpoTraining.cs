using Media.Modeling.Checkpoints;
using Media.Modeling.Training;
using static TorchSharp.torch;

namespace Media.Services.Song.LeVo.Training;

/// <summary>
/// The corpus songs a DPO run also trains on (<see cref="LeVoDpo.CorpusLoss"/>, weighted by <paramref name="Weight"/>): song
/// <c>s</c> of seeds 0..<paramref name="Songs"/>-1 (the pre-training songs), conditions dropped at
/// <paramref name="ConditionDropout"/> as in pre-training, so the unconditional side that guidance reads is held too.
/// </summary>
public sealed record LeVoDpoCorpus(Func<ulong, LeVoExample> Song, int Songs, double Weight, double ConditionDropout = 0.15)
{
    /// <summary>Throws on a count, weight or dropout out of range.</summary>
    public void Validate()
    {
        ArgumentNullException.ThrowIfNull(Song);
        ArgumentOutOfRangeException.ThrowIfLessThan(Songs, 1);
        if (!double.IsFinite(Weight) || Weight <= 0) throw new ArgumentOutOfRangeException(nameof(Weight), Weight, "The corpus weight is positive.");
        if (!double.IsFinite(ConditionDropout) || ConditionDropout < 0 || ConditionDropout >= 1)
            throw new ArgumentOutOfRangeException(nameof(ConditionDropout), ConditionDropout, "The condition dropout is in [0, 1).");
    }
}

/// <summary>
/// LeVo's DPO post-training: the policy starts from the two-stage model (<paramref name="pretrained"/>, its exported
/// folder), the reference is a frozen copy of the same, and each step draws <c>batch</c> preference pairs (deterministic by
/// step) and minimises <see cref="LeVoDpo.Loss"/> (with its optional NLL term on the chosen samples) with the shared
/// <see cref="Trainer{TBatch}"/>. Every parameter of LeLM is trained over all three streams, as in LeVo, or (mixed-only)
/// the main LM's over the mixed stream. With a <see cref="LeVoDpoCorpus"/> each step also draws <c>batch</c> corpus songs
/// and adds their weighted pre-training loss.
/// </summary>
public sealed class LeVoDpoTraining : IDisposable
{
    readonly IReadOnlyList<LeVoPreferencePair> pairs;
    readonly int batch;
    readonly LeLmModel reference;
    readonly string pretrained;
    readonly LeVoDpoCorpus? corpus;
    readonly LeVoDpoStreams streams;

    /// <summary>A fresh or resumed DPO run over <paramref name="pairs"/>.</summary>
    public LeVoDpoTraining(string pretrained, IReadOnlyList<LeVoPreferencePair> pairs, int batch, double beta, TrainerOptions trainerOptions, Device device,
        Action<long, LeVoDpoParts>? stepLosses = null, double nllWeight = 0, LeVoDpoStreams streams = LeVoDpoStreams.All, LeVoDpoCorpus? corpus = null)
    {
        ArgumentNullException.ThrowIfNull(pairs);
        ArgumentNullException.ThrowIfNull(trainerOptions);
        if (pairs.Count == 0) throw new ArgumentException("DPO needs at least one preference pair.", nameof(pairs));
        ArgumentOutOfRangeException.ThrowIfLessThan(batch, 1);
        if (!double.IsFinite(beta) || beta <= 0) throw new ArgumentOutOfRangeException(nameof(beta), beta, "beta must be positive.");
        if (!double.IsFinite(nllWeight) || nllWeight < 0) throw new ArgumentOutOfRangeException(nameof(nllWeight), nllWeight, "The NLL weight is non-negative.");
        corpus?.Validate();
        Config = LeVoCheckpoint.ReadConfig(pretrained);
        if (!Config.IsTrained) throw new ArgumentException($"'{pretrained}' holds no two-stage LeVo model to post-train.", nameof(pretrained));
        this.pairs = pairs;
        this.batch = batch;
        this.pretrained = pretrained;
        this.corpus = corpus;
        this.streams = streams;
        Beta = beta;
        manual_seed(trainerOptions.Seed);
        Model = ModelFolder.Load(pretrained, () => new LeLmModel(Config), device);
        reference = ModelFolder.Load(pretrained, () => new LeLmModel(Config), device);
        foreach (var p in reference.parameters()) p.requires_grad = false;
        // One stream side trains what its stage trained; the other side stays frozen, as in LeVo's modular training.
        Model.SetTrainable(mainLm: streams != LeVoDpoStreams.Tracks, subDecoder: streams != LeVoDpoStreams.Mixed);
        Trainer = new Trainer<LeVoDpoBatch>(Model, Batch,
            b =>
            {
                var loss = LeVoDpo.Loss(Model, reference, b, beta, nllWeight, streams, corpus?.Weight ?? 0);
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

    /// <summary>The pairs of a position, and its corpus songs when the run has a corpus term, drawn by its own random.</summary>
    public LeVoDpoBatch Batch(BatchPosition position)
    {
        var random = position.CreateRandom();
        var drawn = LeVoDpo.Batch(Config, [.. Enumerable.Range(0, batch).Select(_ => pairs[random.Next(pairs.Count)])], position.Device);
        if (corpus is null) return drawn;
        LeVoExample Song(ulong seed)
        {
            var song = corpus.Song(seed);
            if (streams != LeVoDpoStreams.Mixed && (song.Vocal is null || song.Accompaniment is null))
                throw new InvalidOperationException($"Song {song.Seed} has no vocal and accompaniment streams: DPO over the tracks needs a track cache for its corpus term.");
            return song;
        }
        return drawn with { Corpus = LeVoTraining.Draw(Config, Song, corpus.Songs, batch, corpus.ConditionDropout, random, position.Step, position.Device) };
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
