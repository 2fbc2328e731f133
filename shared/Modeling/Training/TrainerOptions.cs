namespace Media.Modeling.Training;

/// <summary>Settings of one training run; the run folder holds its checkpoints and its JSONL log.</summary>
public sealed record TrainerOptions
{
    /// <summary>Folder of this run: <c>checkpoints/step-NNNNNNNN.safetensors</c> and <c>train.jsonl</c>. A run resumes from its latest checkpoint.</summary>
    public required string RunDirectory { get; init; }

    /// <summary>Optimizer steps of the whole run (the schedule decays to its floor here).</summary>
    public required long TotalSteps { get; init; }

    /// <summary>Micro-batches whose gradients are accumulated into one optimizer step.</summary>
    public int MicroBatches { get; init; } = 1;

    /// <summary>Peak learning rate (AdamW).</summary>
    public double LearningRate { get; init; } = 3e-4;

    /// <summary>The rate cosine decay ends at.</summary>
    public double MinLearningRate { get; init; }

    /// <summary>Steps of linear warmup.</summary>
    public long WarmupSteps { get; init; }

    /// <summary>AdamW first-moment decay.</summary>
    public double Beta1 { get; init; } = 0.9;

    /// <summary>AdamW second-moment decay.</summary>
    public double Beta2 { get; init; } = 0.999;

    /// <summary>AdamW epsilon.</summary>
    public double Epsilon { get; init; } = 1e-8;

    /// <summary>AdamW decoupled weight decay.</summary>
    public double WeightDecay { get; init; } = 0.01;

    /// <summary>Clip the global gradient norm to this; null does not clip (the norm is still logged).</summary>
    public double? MaxGradNorm { get; init; } = 1.0;

    /// <summary>
    /// Parameter-name prefixes whose gradients are clipped to <see cref="MaxGradNorm"/> each on their own (the rest together):
    /// two networks trained by one optimizer, such as a generator and its discriminator, must not shrink each other's step.
    /// Null clips all parameters as one.
    /// </summary>
    public IReadOnlyList<string>? ClipGroups { get; init; }

    /// <summary>Keep an exponential moving average of the weights with this decay; null keeps none.</summary>
    public double? EmaDecay { get; init; }

    /// <summary>Write a resumable checkpoint every this many steps (and always at the end of a run).</summary>
    public long CheckpointEvery { get; init; } = 1000;

    /// <summary>How many of the newest checkpoints to keep.</summary>
    public int KeepCheckpoints { get; init; } = 2;

    /// <summary>Write a JSONL line every this many steps.</summary>
    public long LogEvery { get; init; } = 1;

    /// <summary>Call the evaluation hook every this many steps; 0 never.</summary>
    public long EvalEvery { get; init; }

    /// <summary>Evaluate with the EMA weights swapped in, when there is an EMA.</summary>
    public bool EvalWithEma { get; init; } = true;

    /// <summary>Seed of the run: torch's generator at start and every <see cref="BatchPosition"/>.</summary>
    public long Seed { get; init; }

    /// <summary>Receives a <see cref="TrainingProgress"/> at the start of a run and after every step (called on the training thread); null reports nothing.</summary>
    public IProgress<TrainingProgress>? Progress { get; init; }

    /// <summary>What <c>countItems</c> counts, for the throughput column and the log key (<c>tokens</c> gives <c>tokens_per_s</c>).</summary>
    public string ThroughputUnit { get; init; } = "items";

    internal void Validate()
    {
        ArgumentException.ThrowIfNullOrEmpty(RunDirectory, nameof(RunDirectory));
        if (TotalSteps <= 0) throw new ArgumentException("TotalSteps must be positive.", nameof(TotalSteps));
        if (MicroBatches <= 0) throw new ArgumentException("MicroBatches must be positive.", nameof(MicroBatches));
        if (CheckpointEvery <= 0) throw new ArgumentException("CheckpointEvery must be positive.", nameof(CheckpointEvery));
        if (KeepCheckpoints <= 0) throw new ArgumentException("KeepCheckpoints must be positive.", nameof(KeepCheckpoints));
        if (LogEvery <= 0) throw new ArgumentException("LogEvery must be positive.", nameof(LogEvery));
        if (EvalEvery < 0) throw new ArgumentException("EvalEvery must be 0 (never) or positive.", nameof(EvalEvery));
        if (MaxGradNorm is { } clip && !(clip > 0)) throw new ArgumentException("MaxGradNorm must be positive or null.", nameof(MaxGradNorm));
        if (EmaDecay is { } decay && !(decay >= 0 && decay < 1)) throw new ArgumentException("EmaDecay must lie in [0, 1) or be null.", nameof(EmaDecay));
        if (string.IsNullOrWhiteSpace(ThroughputUnit)) throw new ArgumentException("ThroughputUnit must name what is counted.", nameof(ThroughputUnit));
        // The schedule validates learning rates and warmup.
        _ = new WarmupCosineSchedule(LearningRate, MinLearningRate, WarmupSteps, TotalSteps);
    }
}
