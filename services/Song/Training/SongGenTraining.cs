using Media.Modeling.Training;
using Media.Services.Song.Data;
using Media.Services.Song.Model;
using TorchSharp;
using static TorchSharp.torch;

namespace Media.Services.Song.Training;

/// <summary>
/// SongGen's training recipe on the sung-lyrics corpus: each step draws <see cref="SongGenTrainingOptions.Batch"/> songs
/// of the training seeds (deterministic by step, through the run's <see cref="SongTokenCache"/>), lays out their codes in
/// the model's mode (<see cref="SongTokenLayout"/>, padded to the longest with the pad id, which the loss skips), drops a
/// tenth of the conditions for guidance, gives dual-track and mixed-pro rows a reference-voice clip half of the time when
/// the model reads one, and minimises <see cref="SongGenLoss"/> with the shared <see cref="Trainer{TBatch}"/> (AdamW,
/// warmup + cosine, clipping, resumable checkpoints in the run folder).
/// </summary>
public sealed class SongGenTraining : IDisposable
{
    readonly SongGenTrainingOptions options;
    readonly SongTokenCache cache;

    /// <summary>A fresh or resumed run of a model shaped by <paramref name="config"/>.</summary>
    public SongGenTraining(SongGenConfig config, SongGenTrainingOptions options, SongTokenCache cache, TrainerOptions trainerOptions, Device device,
        Action<long, SongLossParts>? stepLosses = null)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(cache);
        ArgumentNullException.ThrowIfNull(trainerOptions);
        config.Validate();
        options.Validate();
        CodebookLossWeights.Check(options.InitialCodebookWeights, config.Codebooks);
        this.options = options;
        this.cache = cache;
        Config = config with { TrainedSteps = 0 };
        manual_seed(trainerOptions.Seed);
        Model = new SongGenModel(Config);
        Model.to(device);
        long total = trainerOptions.TotalSteps;
        Trainer = new Trainer<SongBatch>(Model, Batch,
            batch =>
            {
                var loss = SongGenLoss.Compute(Model, batch, batch.Step, total, options.InitialCodebookWeights);
                stepLosses?.Invoke(batch.Step, loss);
                return loss.Total;
            },
            trainerOptions, batch => batch.Streams.shape[0] * batch.Streams.shape[2]);
    }

    /// <summary>The model's shape.</summary>
    public SongGenConfig Config { get; }

    /// <summary>The model being trained.</summary>
    public SongGenModel Model { get; }

    /// <summary>The loop.</summary>
    public Trainer<SongBatch> Trainer { get; }

    /// <summary>The batch of a position: songs drawn by the position's own random, laid out, padded, conditions dropped.</summary>
    public SongBatch Batch(BatchPosition position)
    {
        var random = position.CreateRandom();
        var mode = Config.SongMode;
        var sequences = new List<SongTokenSequence>();
        var conditions = new List<SongCondition?>();
        for (int i = 0; i < options.Batch; i++)
        {
            var example = cache.Get((ulong)random.Next(options.Songs));
            if (example.Frames > Config.MaxFrames)
                throw new InvalidOperationException($"Song {example.Seed}'s excerpt takes {example.Frames} frames; the model holds {Config.MaxFrames} (raise max_frames or lower the seconds).");
            sequences.Add(SongTokenLayout.Arrange(mode, example.Codes, Config.CodebookSize));
            bool drop = random.NextDouble() < options.ConditionDropout;
            bool voice = Config.ReferenceVoice && random.NextDouble() < 0.5;
            conditions.Add(drop ? null : new SongCondition(example.Description, example.Lyrics, voice ? example.ReferenceClip(Config.MaxReferenceFrames) : null));
        }
        var batch = Pack(Config, sequences, conditions, position.Step, position.Device);
        if (options.FineInputDropout is { } p)
        {
            // Drawn after the songs and conditions, so a run without it draws the same batches.
            var hidden = Enumerable.Range(0, sequences.Count).Where(_ => random.NextDouble() < p).ToArray();
            if (hidden.Length > 0) batch = batch with { InputStreams = HideLaterCodebooks(Config, batch.Streams, hidden) };
        }
        return options.OpeningWeight is { } weight ? batch with { StepWeights = OpeningWeights(Config, batch.Streams.shape[2] - 1, options.OpeningSeconds!.Value, weight, position.Device) } : batch;
    }

    /// <summary>
    /// Weights of the <paramref name="predicted"/> steps (targets at steps 1..): <paramref name="weight"/> for those in the song's first
    /// <paramref name="seconds"/>, 1 after (interleaving takes two steps a frame).
    /// </summary>
    public static Tensor OpeningWeights(SongGenConfig config, long predicted, double seconds, double weight, Device device)
    {
        ArgumentNullException.ThrowIfNull(config);
        int stepsPerFrame = config.SongMode is SongMode.InterleavingAV or SongMode.InterleavingVA ? 2 : 1;
        long opening = (long)Math.Round(seconds * config.FrameRate * stepsPerFrame);
        return ones(predicted, device: device).masked_fill(arange(predicted, device: device).lt(opening), weight);
    }

    /// <summary>
    /// <paramref name="streams"/> [B, streams, T] with, in <paramref name="rows"/>, every stream but each track's first
    /// codebook set to the pad id (the bos step kept): those rows read no later codebook's history.
    /// </summary>
    public static Tensor HideLaterCodebooks(SongGenConfig config, Tensor streams, IReadOnlyList<int> rows)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(streams);
        ArgumentNullException.ThrowIfNull(rows);
        using var scope = NewDisposeScope();
        var later = Enumerable.Range(0, (int)streams.shape[1]).Where(s => s % config.Codebooks != 0).Select(s => (long)s).ToArray();
        if (later.Length == 0 || rows.Count == 0) return streams.clone().MoveToOuterDisposeScope();
        var rowIndex = tensor(rows.Select(r => (long)r).ToArray(), device: streams.device);
        var streamIndex = tensor(later, device: streams.device);
        var rowMask = zeros(streams.shape[0], ScalarType.Bool, streams.device).index_fill(0, rowIndex, true);
        var streamMask = zeros(streams.shape[1], ScalarType.Bool, streams.device).index_fill(0, streamIndex, true);
        var mask = rowMask.view(-1, 1, 1) & streamMask.view(1, -1, 1) & streams.ne(SongTokenLayout.Bos(config.CodebookSize));
        return streams.masked_fill(mask, SongTokenLayout.Pad(config.CodebookSize)).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// One batch of laid-out songs: their streams (and mixed-pro's vocal targets) padded with the pad id to the longest,
    /// which the loss skips, beside each row's condition.
    /// </summary>
    public static SongBatch Pack(SongGenConfig config, IReadOnlyList<SongTokenSequence> sequences, IReadOnlyList<SongCondition?> conditions, long step, Device device)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(sequences);
        ArgumentNullException.ThrowIfNull(conditions);
        if (sequences.Count == 0 || sequences.Count != conditions.Count)
            throw new ArgumentException("Give one condition per song, and at least one song.", nameof(conditions));
        int steps = sequences.Max(s => s.Steps), pad = SongTokenLayout.Pad(config.CodebookSize);
        Tensor Rows(Func<SongTokenSequence, int[][]> rows)
        {
            var flat = sequences.SelectMany(s => rows(s).SelectMany(r => r.Concat(Enumerable.Repeat(pad, steps - r.Length)))).Select(v => (long)v).ToArray();
            return tensor(flat, ScalarType.Int64, device).view(sequences.Count, -1, steps);
        }
        var streams = Rows(s => s.Streams);
        var vocal = config.SongMode == SongMode.MixedPro ? Rows(s => s.VocalTargets!) : null;
        return new SongBatch(streams, vocal, conditions, step);
    }

    /// <summary>
    /// Trains to the run's total steps (or to <paramref name="until"/>, a step short of them), or until <paramref name="budget"/>
    /// passes; a checkpoint is written either way.
    /// </summary>
    public void Run(TimeSpan? budget = null, long? until = null, CancellationToken cancellationToken = default) =>
        Trainer.RunFor(budget, until, cancellationToken);

    /// <summary>Writes the model folder (fp16) with the steps trained so far in its config.</summary>
    public void Export(string directory)
    {
        bool training = Model.training;
        Model.eval();
        SongGenCheckpoint.Save(directory, Model, Config with { TrainedSteps = Trainer.Step });
        Model.train(training);
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        Trainer.Dispose();
        Model.Dispose();
    }
}
