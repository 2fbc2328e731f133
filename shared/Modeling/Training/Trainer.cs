using System.Diagnostics;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Media.Modeling.Training;

/// <summary>
/// The training loop every model uses. The model supplies a data source that is deterministic by
/// position (<see cref="BatchPosition"/>: seed, step, micro-batch) and a loss delegate; the trainer
/// runs AdamW with warmup + cosine learning rates, gradient accumulation, global-norm clipping and an
/// optional EMA, logs JSONL, evaluates periodically, and writes resumable checkpoints. A new trainer
/// on the same run folder resumes from the newest checkpoint and continues the same loss trajectory.
/// </summary>
/// <typeparam name="TBatch">Whatever the data source produces and the loss consumes.</typeparam>
public sealed class Trainer<TBatch> : IDisposable
{
    readonly nn.Module _model;
    readonly Func<BatchPosition, TBatch> _batches;
    readonly Func<TBatch, Tensor> _loss;
    readonly Func<TBatch, long>? _countItems;
    readonly TrainerOptions _options;
    readonly WarmupCosineSchedule _schedule;
    readonly AdamW _optimizer;
    readonly List<Parameter> _parameters;
    readonly Device _device;
    readonly List<StepRecord> _history = [];
    double _elapsedBefore;
    long _lastSavedStep = -1;

    /// <summary>Optimizer steps completed (after a resume, counted from the run's start).</summary>
    public long Step { get; private set; }

    /// <summary>The step the run was resumed from, or null for a fresh run.</summary>
    public long? ResumedFromStep { get; }

    /// <summary>The weight average, when <see cref="TrainerOptions.EmaDecay"/> is set.</summary>
    public ExponentialMovingAverage? Ema { get; }

    /// <summary>The learning-rate schedule.</summary>
    public WarmupCosineSchedule Schedule => _schedule;

    /// <summary>Steps run by this instance.</summary>
    public IReadOnlyList<StepRecord> History => _history;

    /// <summary>Called every <see cref="TrainerOptions.EvalEvery"/> steps; the metrics go to the log.</summary>
    public Func<EvalContext, IReadOnlyDictionary<string, double>>? Evaluate { get; set; }

    /// <summary>Creates the trainer and resumes from the newest checkpoint in the run folder, if any.</summary>
    /// <param name="model">The module to train (on its device).</param>
    /// <param name="batches">Returns the micro-batch for a position; must be deterministic in it.</param>
    /// <param name="loss">A scalar loss for a batch.</param>
    /// <param name="options">Run settings.</param>
    /// <param name="countItems">Items (tokens, samples) in a batch, for throughput; counts 1 per micro-batch when null.</param>
    public Trainer(nn.Module model, Func<BatchPosition, TBatch> batches, Func<TBatch, Tensor> loss, TrainerOptions options,
        Func<TBatch, long>? countItems = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(batches);
        ArgumentNullException.ThrowIfNull(loss);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _model = model;
        _batches = batches;
        _loss = loss;
        _countItems = countItems;
        _options = options;
        _schedule = new WarmupCosineSchedule(options.LearningRate, options.MinLearningRate, options.WarmupSteps, options.TotalSteps);
        _parameters = model.parameters().Where(p => p.requires_grad).ToList();
        if (_parameters.Count == 0) throw new ArgumentException("The model has no trainable parameters.", nameof(model));
        _device = _parameters[0].device;
        _optimizer = optim.AdamW(_parameters, options.LearningRate, options.Beta1, options.Beta2, options.Epsilon, options.WeightDecay);
        Ema = options.EmaDecay is { } decay ? new ExponentialMovingAverage(model, decay) : null;

        Directory.CreateDirectory(options.RunDirectory);
        var checkpoints = TrainingCheckpoint.List(options.RunDirectory);
        if (checkpoints.Count == 0)
        {
            random.manual_seed(options.Seed);
            return;
        }
        var latest = checkpoints[^1];
        var state = TrainingCheckpoint.Load(latest.Path, model, _optimizer, Ema);
        if (state.Seed != options.Seed || state.MicroBatches != options.MicroBatches)
            throw new InvalidOperationException(
                $"{latest.Path} was written with seed {state.Seed} and {state.MicroBatches} micro-batches per step; this run asks for seed {options.Seed} "
                + $"and {options.MicroBatches}. The data order would differ, so it cannot resume: use a new run folder or the same settings.");
        Step = state.Step;
        ResumedFromStep = state.Step;
        _elapsedBefore = state.ElapsedSeconds;
        _lastSavedStep = state.Step;
    }

    /// <summary>Trains to <see cref="TrainerOptions.TotalSteps"/>; returns the steps run by this call.</summary>
    public IReadOnlyList<StepRecord> Run(CancellationToken cancellationToken = default) => RunUntil(_options.TotalSteps, cancellationToken);

    /// <summary>
    /// Trains until <paramref name="stopAfterStep"/> steps are complete (or cancellation, checked between
    /// steps), then writes a checkpoint so a later trainer continues from there.
    /// </summary>
    public IReadOnlyList<StepRecord> RunUntil(long stopAfterStep, CancellationToken cancellationToken = default)
    {
        if (stopAfterStep < 0 || stopAfterStep > _options.TotalSteps)
            throw new ArgumentOutOfRangeException(nameof(stopAfterStep), stopAfterStep, $"Must lie in [0, {_options.TotalSteps}].");
        int first = _history.Count;
        using var log = new TrainingLog(Path.Combine(_options.RunDirectory, "train.jsonl"), _options.ThroughputUnit, Step);
        var clock = Stopwatch.StartNew();
        double elapsedAtStart = _elapsedBefore;
        _model.train();
        _options.Progress?.Report(new TrainingProgress(Step, stopAfterStep, null, _options.ThroughputUnit));
        while (Step < stopAfterStep && !cancellationToken.IsCancellationRequested)
        {
            var record = TrainStep(elapsedAtStart, clock);
            _history.Add(record);
            if (Step % _options.LogEvery == 0 || Step == stopAfterStep) log.Write(record);
            _options.Progress?.Report(new TrainingProgress(Step, stopAfterStep, record, _options.ThroughputUnit));
            if (_options.EvalEvery > 0 && Step % _options.EvalEvery == 0 && Evaluate is not null)
                log.WriteEval(Step, RunEvaluation());
            _elapsedBefore = elapsedAtStart + clock.Elapsed.TotalSeconds;
            if (Step % _options.CheckpointEvery == 0) SaveCheckpoint();
        }
        _elapsedBefore = elapsedAtStart + clock.Elapsed.TotalSeconds;
        if (_lastSavedStep != Step) SaveCheckpoint();
        return _history.Skip(first).ToList();
    }

    StepRecord TrainStep(double elapsedAtStart, Stopwatch clock)
    {
        using var scope = NewDisposeScope();
        var stepClock = Stopwatch.StartNew();
        double lr = _schedule.LearningRate(Step);
        foreach (var group in _optimizer.ParamGroups) group.LearningRate = lr;
        _optimizer.zero_grad();
        double lossSum = 0;
        long items = 0;
        int micro = _options.MicroBatches;
        for (int m = 0; m < micro; m++)
        {
            using var microScope = NewDisposeScope();
            var batch = _batches(new BatchPosition(_options.Seed, Step, m, micro, _device));
            var loss = _loss(batch);
            if (loss.numel() != 1)
                throw new InvalidOperationException($"The loss must be a scalar; got shape [{string.Join(", ", loss.shape)}].");
            (loss / micro).backward();
            double value = loss.item<float>();
            if (!double.IsFinite(value))
                throw new InvalidOperationException($"The loss became {value} at step {Step + 1} (micro-batch {m}); lower the learning rate or check the data.");
            lossSum += value;
            items += _countItems?.Invoke(batch) ?? 1;
        }
        double gradNorm = _options.MaxGradNorm is { } clip
            ? GradientClipping.ClipGlobalNorm(_parameters, clip)
            : GradientClipping.GlobalNorm(_parameters);
        if (!double.IsFinite(gradNorm))
            throw new InvalidOperationException($"The gradient norm became {gradNorm} at step {Step + 1}; lower the learning rate or check the loss.");
        _optimizer.step();
        Ema?.Update();
        Step++;
        double seconds = stepClock.Elapsed.TotalSeconds;
        return new StepRecord(Step, lossSum / micro, lr, gradNorm, seconds > 0 ? items / seconds : 0,
            elapsedAtStart + clock.Elapsed.TotalSeconds);
    }

    IReadOnlyDictionary<string, double> RunEvaluation()
    {
        // Evaluation may sample; keep the training RNG stream as if it had not run.
        using var rng = random.get_rng_state();
        bool useEma = _options.EvalWithEma && Ema is not null;
        _model.eval();
        try
        {
            using var swap = useEma ? Ema!.SwapIn() : null;
            using var noGrad = no_grad();
            using var scope = NewDisposeScope();
            return Evaluate!(new EvalContext(Step, _model, _device, useEma));
        }
        finally
        {
            _model.train();
            random.set_rng_state(rng);
        }
    }

    void SaveCheckpoint()
    {
        var state = new TrainingState(Step, _options.Seed, _options.MicroBatches, _elapsedBefore, Ema?.Updates ?? 0);
        TrainingCheckpoint.Save(TrainingCheckpoint.PathFor(_options.RunDirectory, Step), _model, _optimizer, Ema, state);
        TrainingCheckpoint.Prune(_options.RunDirectory, _options.KeepCheckpoints);
        _lastSavedStep = Step;
    }

    /// <summary>Frees the optimizer state and the EMA.</summary>
    public void Dispose()
    {
        _optimizer.Dispose();
        Ema?.Dispose();
    }
}
