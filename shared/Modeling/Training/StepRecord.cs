namespace Media.Modeling.Training;

/// <summary>What one optimizer step did.</summary>
/// <param name="Step">Steps completed after this one (1 for the first).</param>
/// <param name="Loss">Mean loss over the step's micro-batches.</param>
/// <param name="LearningRate">The rate this step used.</param>
/// <param name="GradNorm">Global gradient norm before clipping.</param>
/// <param name="ItemsPerSecond">Counted items (tokens, samples) per second of this step.</param>
/// <param name="ElapsedSeconds">Training time of the whole run so far, across resumes.</param>
public sealed record StepRecord(long Step, double Loss, double LearningRate, double GradNorm, double ItemsPerSecond, double ElapsedSeconds);
