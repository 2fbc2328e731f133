namespace Media.Modeling.Training;

/// <summary>
/// What a <see cref="Trainer{TBatch}"/> reports through <see cref="TrainerOptions.Progress"/>: once when a run starts
/// (<see cref="Last"/> null) and after every step. A console, a log or a job's event stream decides how to show it;
/// the toolkit knows none of them.
/// </summary>
/// <param name="Step">Optimizer steps complete.</param>
/// <param name="EndStep">The step this run stops after.</param>
/// <param name="Last">The step just taken (loss, learning rate, throughput), or null at the start.</param>
/// <param name="ThroughputUnit">What the throughput counts (<see cref="TrainerOptions.ThroughputUnit"/>).</param>
public sealed record TrainingProgress(long Step, long EndStep, StepRecord? Last, string ThroughputUnit);
