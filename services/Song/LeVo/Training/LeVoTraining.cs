using Media.Modeling.Checkpoints;
using Media.Modeling.Training;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Media.Services.Song.LeVo.Training;

/// <summary>
/// One stage of LeVo's modular extension training on the sung-lyrics corpus. Stage 1 (<see cref="LeVoStage.Lm"/>)
/// trains the main LM and the condition tables on the mixed stream; stage 2 (<see cref="LeVoStage.Decoder"/>) starts from
/// stage 1's export and trains only the sub-decoder's side (<see cref="LeLmModel.SubDecoderParameters"/>) on the vocal
/// and accompaniment streams, the main LM frozen. Each step draws <see cref="LeVoTrainingOptions.Batch"/> songs of the
/// training seeds (deterministic by step), lays them out (<see cref="LeVoTokenLayout"/>, padded with the special id, which
/// the loss skips) and drops 15 % of the conditions for guidance; the shared <see cref="Trainer{TBatch}"/> runs it
/// (AdamW, warmup + cosine, clipping, resumable checkpoints in the stage's run folder).
/// </summary>
public sealed class LeVoTraining : IDisposable
{
    readonly LeVoTrainingOptions options;
    readonly LeVoTokenDataset data;
    readonly long lmSteps;

    /// <summary>A fresh or resumed stage. Stage 2 needs <paramref name="stageOne"/>, the folder stage 1 exported.</summary>
    public LeVoTraining(LeVoConfig config, LeVoStage stage, LeVoTrainingOptions options, LeVoTokenDataset data, TrainerOptions trainerOptions, Device device,
        string? stageOne = null, Action<long, LeVoLossParts>? stepLosses = null)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(trainerOptions);
        config.Validate();
        options.Validate();
        if (stage != LeVoStage.Lm && !data.HasTracks)
            throw new ArgumentException("Stage 2 trains the vocal and accompaniment streams: give the dataset a track cache.", nameof(data));
        if (data.Tokenizer.VocabularySize != config.CodeSize)
            throw new ArgumentException($"The tokenizer has {data.Tokenizer.VocabularySize} tokens; the config {config.CodeSize}.", nameof(data));
        this.options = options;
        this.data = data;
        Stage = stage;
        manual_seed(trainerOptions.Seed);
        if (stage == LeVoStage.Lm)
        {
            Config = config with { LmSteps = 0, DecoderSteps = 0, DpoSteps = 0 };
            Model = new LeLmModel(Config);
        }
        else
        {
            if (stageOne is null || !LeVoCheckpoint.Exists(stageOne)) throw new ArgumentException("Stage 2 starts from stage 1's exported model folder.", nameof(stageOne));
            var first = LeVoCheckpoint.ReadConfig(stageOne);
            if (first.LmSteps <= 0) throw new ArgumentException($"'{stageOne}' holds no trained main LM.", nameof(stageOne));
            if (first with { LmSteps = 0 } != config with { LmSteps = 0, DecoderSteps = 0, DpoSteps = 0 })
                throw new ArgumentException($"'{stageOne}' was trained with another shape than this stage asks for.", nameof(stageOne));
            lmSteps = first.LmSteps;
            Config = first with { DecoderSteps = 0, DpoSteps = 0 };
            Model = ModelFolder.Load(stageOne, () => new LeLmModel(Config));
        }
        Model.to(device);
        Model.SetTrainable(mainLm: stage == LeVoStage.Lm, subDecoder: stage != LeVoStage.Lm);
        Trainer = new Trainer<LeVoBatch>(Model, Batch,
            batch =>
            {
                var loss = LeVoLoss.Compute(Model, batch, stage);
                stepLosses?.Invoke(batch.Step, loss);
                return loss.Total;
            },
            trainerOptions, batch => batch.Steps.shape[0] * batch.Steps.shape[2]);
    }

    /// <summary>The stage.</summary>
    public LeVoStage Stage { get; }

    /// <summary>The model's shape.</summary>
    public LeVoConfig Config { get; }

    /// <summary>The model being trained.</summary>
    public LeLmModel Model { get; }

    /// <summary>The loop.</summary>
    public Trainer<LeVoBatch> Trainer { get; }

    /// <summary>The batch of a position: songs drawn by the position's own random, laid out, padded, conditions dropped.</summary>
    public LeVoBatch Batch(BatchPosition position) =>
        Draw(Config, data.Get, options.Songs, options.Batch, options.ConditionDropout, position.CreateRandom(), position.Step, position.Device);

    /// <summary>
    /// <paramref name="count"/> songs of seeds 0..<paramref name="songs"/>-1 drawn by <paramref name="random"/>, each
    /// condition dropped with probability <paramref name="conditionDropout"/>, packed (<see cref="Pack"/>): a pre-training batch.
    /// </summary>
    public static LeVoBatch Draw(LeVoConfig config, Func<ulong, LeVoExample> song, int songs, int count, double conditionDropout, Random random, long step, Device device)
    {
        ArgumentNullException.ThrowIfNull(song);
        ArgumentNullException.ThrowIfNull(random);
        var examples = new List<LeVoExample>();
        var conditions = new List<LeVoCondition?>();
        for (int i = 0; i < count; i++)
        {
            var example = song((ulong)random.Next(songs));
            examples.Add(example);
            bool drop = random.NextDouble() < conditionDropout;
            conditions.Add(drop ? null : LeVoCondition.Of(config, example.Description, example.Lyrics));
        }
        return Pack(config, examples, conditions, step, device);
    }

    /// <summary>
    /// Songs laid out as a batch (<see cref="LeVoTokenLayout"/>), padded with the special id, which the loss skips, beside each
    /// row's condition. A song without its tracks (a mix-only dataset) has them all special: stage 1 never reads them.
    /// </summary>
    public static LeVoBatch Pack(LeVoConfig config, IReadOnlyList<LeVoExample> examples, IReadOnlyList<LeVoCondition?> conditions, long step, Device device)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(examples);
        ArgumentNullException.ThrowIfNull(conditions);
        if (examples.Count == 0 || examples.Count != conditions.Count) throw new ArgumentException("Give one condition per song, and at least one song.", nameof(conditions));
        var rows = new List<int[][]>();
        foreach (var example in examples)
        {
            if (example.Tokens > config.MaxTokens)
                throw new InvalidOperationException($"Song {example.Seed}'s excerpt takes {example.Tokens} tokens; the model holds {config.MaxTokens}.");
            var absent = example.Vocal is null || example.Accompaniment is null ? Enumerable.Repeat(config.Special, example.Tokens).ToArray() : null;
            rows.Add(LeVoTokenLayout.For(config, example.Tokens).Arrange(example.Mixed, example.Vocal ?? absent!, example.Accompaniment ?? absent!));
        }
        int steps = rows.Max(r => r[0].Length);
        var flat = rows.SelectMany(r => r.SelectMany(s => s.Concat(Enumerable.Repeat(config.Special, steps - s.Length)))).Select(v => (long)v).ToArray();
        return new LeVoBatch(tensor(flat, ScalarType.Int64, device).view(rows.Count, 3, steps), conditions, step);
    }

    /// <summary>
    /// The stage's loss on <paramref name="songs"/> under their own conditions, one song at a time, in eval mode and without
    /// gradients: held-out songs tell memorising from learning.
    /// </summary>
    public double HeldOutLoss(IReadOnlyList<LeVoExample> songs)
    {
        ArgumentNullException.ThrowIfNull(songs);
        if (songs.Count == 0) throw new ArgumentException("Give at least one song.", nameof(songs));
        bool training = Model.training;
        Model.eval();
        try
        {
            using var _ = no_grad();
            double sum = 0;
            foreach (var song in songs)
            {
                using var scope = NewDisposeScope();
                var batch = Pack(Config, [song], [LeVoCondition.Of(Config, song.Description, song.Lyrics)], Trainer.Step, Model.Device);
                sum += LeVoLoss.Compute(Model, batch, Stage).Total.item<float>();
            }
            return sum / songs.Count;
        }
        finally
        {
            Model.train(training);
        }
    }

    /// <summary>Trains to the stage's total steps (or to <paramref name="until"/>), or until <paramref name="budget"/> passes; a checkpoint is written either way.</summary>
    public void Run(TimeSpan? budget = null, long? until = null, CancellationToken cancellationToken = default) =>
        Trainer.RunFor(budget, until, cancellationToken);

    /// <summary>
    /// Writes the model folder (fp16) with the stage's steps in its config, and the tokenizer beside it (<c>tokenizer/</c>),
    /// so the folder is all a server needs besides the codec.
    /// </summary>
    public void Export(string directory)
    {
        bool training = Model.training;
        Model.eval();
        var config = Stage == LeVoStage.Lm ? Config with { LmSteps = Trainer.Step } : Config with { LmSteps = lmSteps, DecoderSteps = Trainer.Step };
        LeVoCheckpoint.Save(directory, Model, config);
        data.Tokenizer.Save(Path.Combine(directory, LeVoCheckpoint.TokenizerFolder));
        Model.train(training);
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        Trainer.Dispose();
        Model.Dispose();
    }
}
