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
    readonly nn.Module model;
    readonly Func<BatchPosition, TBatch> batches;
    readonly Func<TBatch, Tensor> loss;
    readonly Func<TBatch, long>? countItems;
    readonly TrainerOptions options;
    readonly WarmupCosineSchedule schedule;
    readonly AdamW optimizer;
    readonly List<Parameter> parameters;
    readonly List<List<Parameter>> clipGroups;
    readonly Device device;
    readonly List<StepRecord> history = [];
    double elapsedBefore;
    long lastSavedStep = -1;

    /// <summary>Optimizer steps completed (after a resume, counted from the run's start).</summary>
    public long Step { get; private set; }

    /// <summary>The step the run was resumed from, or null for a fresh run.</summary>
    public long? ResumedFromStep { get; }

    /// <summary>The weight average, when <see cref="TrainerOptions.EmaDecay"/> is set.</summary>
    public ExponentialMovingAverage? Ema { get; }

    /// <summary>The learning-rate schedule.</summary>
    public WarmupCosineSchedule Schedule => schedule;

    /// <summary>Steps run by this instance.</summary>
    public IReadOnlyList<StepRecord> History => history;

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
        this.model = model;
        this.batches = batches;
        this.loss = loss;
        this.countItems = countItems;
        this.options = options;
        schedule = new WarmupCosineSchedule(options.LearningRate, options.MinLearningRate, options.WarmupSteps, options.TotalSteps);
        var named = model.named_parameters().Where(p => p.parameter.requires_grad).ToList();
        parameters = named.Select(p => p.parameter).ToList();
        if (parameters.Count == 0) throw new ArgumentException("The model has no trainable parameters.", nameof(model));
        clipGroups = options.ClipGroups is { } prefixes
            ? named.GroupBy(p => prefixes.FirstOrDefault(prefix => p.name.StartsWith(prefix, StringComparison.Ordinal)) ?? "")
                .Select(g => g.Select(p => p.parameter).ToList()).ToList()
            : [parameters];
        device = parameters[0].device;
        optimizer = optim.AdamW(parameters, options.LearningRate, options.Beta1, options.Beta2, options.Epsilon, options.WeightDecay);
        Ema = options.EmaDecay is { } decay ? new ExponentialMovingAverage(model, decay) : null;

        Directory.CreateDirectory(options.RunDirectory);
        var checkpoints = TrainingCheckpoint.List(options.RunDirectory);
        if (checkpoints.Count == 0)
        {
            random.manual_seed(options.Seed);
            return;
        }
        var latest = checkpoints[^1];
        var state = TrainingCheckpoint.Load(latest.Path, model, optimizer, Ema);
        if (state.Seed != options.Seed || state.MicroBatches != options.MicroBatches)
            throw new InvalidOperationException(
                $"{latest.Path} was written with seed {state.Seed} and {state.MicroBatches} micro-batches per step; this run asks for seed {options.Seed} "
                + $"and {options.MicroBatches}. The data order would differ, so it cannot resume: use a new run folder or the same settings.");
        Step = state.Step;
        ResumedFromStep = state.Step;
        elapsedBefore = state.ElapsedSeconds;
        lastSavedStep = state.Step;
    }

    /// <summary>Trains to <see cref="TrainerOptions.TotalSteps"/>; returns the steps run by this call.</summary>
    public IReadOnlyList<StepRecord> Run(CancellationToken cancellationToken = default) => RunUntil(options.TotalSteps, cancellationToken);

    /// <summary>
    /// Trains to <paramref name="until"/> (or <see cref="TrainerOptions.TotalSteps"/>), stopping between steps once
    /// <paramref name="budget"/> of wall time has passed or on cancellation; a checkpoint is written either way.
    /// </summary>
    public IReadOnlyList<StepRecord> RunFor(TimeSpan? budget, long? until = null, CancellationToken cancellationToken = default)
    {
        using var stop = budget is { } limit ? new CancellationTokenSource(limit) : new CancellationTokenSource();
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, stop.Token);
        return RunUntil(until ?? options.TotalSteps, linked.Token);
    }

    /// <summary>
    /// Trains until <paramref name="stopAfterStep"/> steps are complete (or cancellation, checked between
    /// steps), then writes a checkpoint so a later trainer continues from there.
    /// </summary>
    public IReadOnlyList<StepRecord> RunUntil(long stopAfterStep, CancellationToken cancellationToken = default)
    {
        if (stopAfterStep < 0 || stopAfterStep > options.TotalSteps)
            throw new ArgumentOutOfRangeException(nameof(stopAfterStep), stopAfterStep, $"Must lie in [0, {options.TotalSteps}].");
        int first = history.Count;
        using var log = new TrainingLog(Path.Combine(options.RunDirectory, TrainingLog.FileName), options.ThroughputUnit, Step);
        var clock = Stopwatch.StartNew();
        double elapsedAtStart = elapsedBefore;
        model.train();
        options.Progress?.Report(new TrainingProgress(Step, stopAfterStep, null, options.ThroughputUnit));
        while (Step < stopAfterStep && !cancellationToken.IsCancellationRequested)
        {
            var record = TrainStep(elapsedAtStart, clock);
            history.Add(record);
            if (Step % options.LogEvery == 0 || Step == stopAfterStep) log.Write(record);
            options.Progress?.Report(new TrainingProgress(Step, stopAfterStep, record, options.ThroughputUnit));
            if (options.EvalEvery > 0 && Step % options.EvalEvery == 0 && Evaluate is not null)
                log.WriteEval(Step, RunEvaluation());
            elapsedBefore = elapsedAtStart + clock.Elapsed.TotalSeconds;
            if (Step % options.CheckpointEvery == 0) SaveCheckpoint();
        }
        elapsedBefore = elapsedAtStart + clock.Elapsed.TotalSeconds;
        if (lastSavedStep != Step) SaveCheckpoint();
        return history.Skip(first).ToList();
    }

    StepRecord TrainStep(double elapsedAtStart, Stopwatch clock)
    {
        using var scope = NewDisposeScope();
        var stepClock = Stopwatch.StartNew();
        double lr = schedule.LearningRate(Step);
        foreach (var group in optimizer.ParamGroups) group.LearningRate = lr;
        optimizer.zero_grad();
        double lossSum = 0;
        long items = 0;
        int micro = options.MicroBatches;
        for (int m = 0; m < micro; m++)
        {
            using var microScope = NewDisposeScope();
            var batch = batches(new BatchPosition(options.Seed, Step, m, micro, device));
            var loss = this.loss(batch);
            if (loss.numel() != 1)
                throw new InvalidOperationException($"The loss must be a scalar; got shape [{string.Join(", ", loss.shape)}].");
            (loss / micro).backward();
            double value = loss.item<float>();
            if (!double.IsFinite(value))
                throw new InvalidOperationException($"The loss became {value} at step {Step + 1} (micro-batch {m}); lower the learning rate or check the data.");
            lossSum += value;
            items += countItems?.Invoke(batch) ?? 1;
        }
        double gradNorm;
        if (options.MaxGradNorm is not { } clip) gradNorm = GradientClipping.GlobalNorm(parameters);
        else if (clipGroups.Count == 1) gradNorm = GradientClipping.ClipGlobalNorm(parameters, clip);
        else
        {
            gradNorm = GradientClipping.GlobalNorm(parameters); // logged before clipping, as with one group
            foreach (var group in clipGroups) GradientClipping.ClipGlobalNorm(group, clip);
        }
        if (!double.IsFinite(gradNorm))
            throw new InvalidOperationException($"The gradient norm became {gradNorm} at step {Step + 1}; lower the learning rate or check the loss.");
        optimizer.step();
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
        bool useEma = options.EvalWithEma && Ema is not null;
        model.eval();
        try
        {
            using var swap = useEma ? Ema!.SwapIn() : null;
            using var noGrad = no_grad();
            using var scope = NewDisposeScope();
            return Evaluate!(new EvalContext(Step, model, device, useEma));
        }
        finally
        {
            model.train();
            random.set_rng_state(rng);
        }
    }

    void SaveCheckpoint()
    {
        var state = new TrainingState(Step, options.Seed, options.MicroBatches, elapsedBefore, Ema?.Updates ?? 0);
        TrainingCheckpoint.Save(TrainingCheckpoint.PathFor(options.RunDirectory, Step), model, optimizer, Ema, state);
        TrainingCheckpoint.Prune(options.RunDirectory, options.KeepCheckpoints);
        lastSavedStep = Step;
    }

    /// <summary>Frees the optimizer state and the EMA.</summary>
    public void Dispose()
    {
        optimizer.Dispose();
        Ema?.Dispose();
    }
}
