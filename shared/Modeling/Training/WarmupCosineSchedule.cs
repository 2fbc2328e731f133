namespace Media.Modeling.Training;

/// <summary>
/// Learning rate per optimizer step: linear warmup from peak/warmup to the peak over
/// <see cref="WarmupSteps"/> steps, then a cosine decay from the peak to <see cref="Floor"/> at
/// <see cref="TotalSteps"/> (and the floor after that).
/// </summary>
public sealed record WarmupCosineSchedule
{
    /// <summary>The rate reached at the end of warmup.</summary>
    public double Peak { get; }

    /// <summary>The rate the cosine decays to.</summary>
    public double Floor { get; }

    /// <summary>Steps of linear warmup.</summary>
    public long WarmupSteps { get; }

    /// <summary>The step at which the decay reaches the floor.</summary>
    public long TotalSteps { get; }

    /// <summary>Creates a schedule; impossible settings throw.</summary>
    public WarmupCosineSchedule(double peak, double floor, long warmupSteps, long totalSteps)
    {
        if (!(peak > 0) || double.IsInfinity(peak)) throw new ArgumentOutOfRangeException(nameof(peak), peak, "The peak learning rate must be positive and finite.");
        if (!(floor >= 0) || floor > peak) throw new ArgumentOutOfRangeException(nameof(floor), floor, "The floor must lie in [0, peak].");
        if (totalSteps <= 0) throw new ArgumentOutOfRangeException(nameof(totalSteps), totalSteps, "Total steps must be positive.");
        if (warmupSteps < 0 || warmupSteps > totalSteps) throw new ArgumentOutOfRangeException(nameof(warmupSteps), warmupSteps, "Warmup must lie in [0, total steps].");
        Peak = peak;
        Floor = floor;
        WarmupSteps = warmupSteps;
        TotalSteps = totalSteps;
    }

    /// <summary>The rate for the optimizer step with 0-based index <paramref name="step"/>.</summary>
    public double LearningRate(long step)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(step);
        // Warmup: step 0 already trains (at peak/warmup), step warmup-1 is at the peak.
        if (step < WarmupSteps) return Peak * (step + 1) / WarmupSteps;
        long decaySteps = TotalSteps - WarmupSteps;
        double progress = decaySteps == 0 ? 1 : Math.Min(1.0, (double)(step - WarmupSteps) / decaySteps);
        return Floor + (Peak - Floor) * 0.5 * (1 + Math.Cos(Math.PI * progress));
    }
}
