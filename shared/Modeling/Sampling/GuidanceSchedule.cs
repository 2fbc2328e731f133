namespace Media.Modeling.Sampling;

/// <summary>
/// A guidance scale that changes as a generation progresses. <see cref="ScaleAt"/> takes a position in
/// [0, count]: for autoregressive decoding the index of the token being sampled among <c>count</c> tokens;
/// for MAR the number of tokens known after the step (N - mask_len) out of N.
/// </summary>
public abstract record GuidanceSchedule
{
    /// <summary>The guidance scale at <paramref name="position"/> of <paramref name="count"/>.</summary>
    public double ScaleAt(int position, int count)
    {
        if (count <= 0) throw new ArgumentOutOfRangeException(nameof(count), count, "A schedule needs at least one step.");
        if (position < 0 || position > count)
            throw new ArgumentOutOfRangeException(nameof(position), position, $"Position must be in [0, {count}].");
        return Evaluate(position, count);
    }

    /// <summary>The formula, with arguments already checked.</summary>
    protected abstract double Evaluate(int position, int count);

    /// <summary>The same scale everywhere (LlamaGen, LeVo).</summary>
    public static GuidanceSchedule Constant(double scale) => new ConstantGuidance(scale);

    /// <summary>start + (end - start) * i / (count - 1), i.e. torch.linspace(start, end, count)[i] (D-AR: 1.2 -> 8.0).</summary>
    public static GuidanceSchedule Linear(double start, double end) => new LinearGuidance(start, end);

    /// <summary>Token-Shuffle: 1 + (s - 1) * min(1, i / (count / 2)), ramping over the first half of the visual tokens.</summary>
    public static GuidanceSchedule HalfLinear(double scale) => new HalfLinearGuidance(scale);

    /// <summary>MAR: 1 + (s - 1) * (N - mask_len) / N, called with position = N - mask_len and count = N.</summary>
    public static GuidanceSchedule MaskLinear(double scale) => new MaskLinearGuidance(scale);
}

/// <summary>A fixed guidance scale.</summary>
public sealed record ConstantGuidance(double Scale) : GuidanceSchedule
{
    /// <inheritdoc />
    protected override double Evaluate(int position, int count) => Scale;
}

/// <summary>Linear from <see cref="Start"/> at the first position to <see cref="End"/> at the last.</summary>
public sealed record LinearGuidance(double Start, double End) : GuidanceSchedule
{
    /// <inheritdoc />
    protected override double Evaluate(int position, int count) =>
        count == 1 ? Start : Start + (End - Start) * position / (count - 1);
}

/// <summary>Token-Shuffle's half-linear ramp from 1 to <see cref="Scale"/>, constant over the second half.</summary>
public sealed record HalfLinearGuidance(double Scale) : GuidanceSchedule
{
    /// <inheritdoc />
    protected override double Evaluate(int position, int count) =>
        1 + (Scale - 1) * Math.Min(1.0, position / (count / 2.0));
}

/// <summary>MAR's guidance growing with the share of tokens already generated.</summary>
public sealed record MaskLinearGuidance(double Scale) : GuidanceSchedule
{
    /// <inheritdoc />
    protected override double Evaluate(int position, int count) => 1 + (Scale - 1) * position / count;
}
