using Media.Modeling.Training;

namespace Media.Services.Audio.Speech.Training;

/// <summary>Run settings shared by the speech models' training (the data shapes are per model).</summary>
public sealed record SpeechTrainingOptions
{
    /// <summary>Run folder (checkpoints, <c>train.jsonl</c>); an existing run resumes.</summary>
    public required string RunDirectory { get; init; }

    /// <summary>Optimizer steps.</summary>
    public required long Steps { get; init; }

    /// <summary>Examples per step.</summary>
    public int BatchSize { get; init; } = 16;

    /// <summary>Peak learning rate.</summary>
    public double LearningRate { get; init; } = 1e-3;

    /// <summary>Linear warmup steps.</summary>
    public long WarmupSteps { get; init; } = 100;

    /// <summary>Seed of the data order and initialisation.</summary>
    public long Seed { get; init; } = 1;

    /// <summary>Checkpoint interval (steps).</summary>
    public long CheckpointEvery { get; init; } = 200;

    /// <summary>Validation interval (steps); 0 never.</summary>
    public long EvalEvery { get; init; } = 250;

    /// <summary>Weight EMA decay (the exported weights); null exports the raw weights.</summary>
    public double? EmaDecay { get; init; } = 0.995;

    /// <summary>Receives the trainer's progress (the CLI draws a bar); null reports nothing.</summary>
    public IProgress<TrainingProgress>? Progress { get; init; }

    /// <summary>The trainer options these settings mean, counting <paramref name="unit"/>.</summary>
    public TrainerOptions ToTrainerOptions(string unit) => new()
    {
        RunDirectory = RunDirectory, TotalSteps = Steps, LearningRate = LearningRate, MinLearningRate = LearningRate / 20,
        WarmupSteps = Math.Min(WarmupSteps, Steps - 1), MaxGradNorm = 1.0, EmaDecay = EmaDecay, CheckpointEvery = CheckpointEvery,
        EvalEvery = EvalEvery, Seed = Seed, Progress = Progress, ThroughputUnit = unit, WeightDecay = 0.01,
    };
}
