using TorchSharp;
using static TorchSharp.torch;

namespace Media.Modeling.Diffusion;

/// <summary>
/// The velocity of a flow model: x_t [B, ...], times t [B] and the step index (D-AR conditions step i on
/// token groups 0..i).
/// </summary>
public delegate Tensor VelocityModel(Tensor xt, Tensor t, int step);

/// <summary>
/// Integrates a flow from noise (t = 0) to data (t = 1) over a schedule of times, one step at a time so a
/// caller can interleave previews or new conditions. Holds the previous velocity for Adams-2 (disposed with
/// the sampler).
/// </summary>
public sealed class FlowSampler : IDisposable
{
    readonly double[] times;
    Tensor? previousVelocity;

    /// <summary>A sampler over <paramref name="times"/> (ascending, e.g. <see cref="FlowMatching.Schedule"/>): times.Count - 1 steps.</summary>
    public FlowSampler(IReadOnlyList<double> times, FlowSolver solver)
    {
        ArgumentNullException.ThrowIfNull(times);
        if (times.Count < 2) throw new ArgumentException("A flow schedule needs at least two times.", nameof(times));
        for (int i = 1; i < times.Count; i++)
        {
            if (!(times[i] > times[i - 1])) throw new ArgumentException("Flow schedule times must increase strictly.", nameof(times));
        }
        if (!Enum.IsDefined(solver)) throw new ArgumentException($"Unknown flow solver {solver}.", nameof(solver));
        this.times = [.. times];
        Solver = solver;
    }

    /// <summary>The integrator.</summary>
    public FlowSolver Solver { get; }

    /// <summary>Number of steps (model calls) of the whole schedule.</summary>
    public int Steps => times.Length - 1;

    /// <summary>Index of the next step.</summary>
    public int StepIndex { get; private set; }

    /// <summary>The time of the next step's input.</summary>
    public double Time => times[StepIndex];

    /// <summary>The schedule's time at <paramref name="index"/> (0..Steps).</summary>
    public double TimeAt(int index) => times[index];

    /// <summary>Advances <paramref name="xt"/> from <see cref="Time"/> to the next time with the velocity the model gave at xt.</summary>
    public Tensor Step(Tensor xt, Tensor velocity)
    {
        ArgumentNullException.ThrowIfNull(xt);
        ArgumentNullException.ThrowIfNull(velocity);
        if (StepIndex >= Steps) throw new InvalidOperationException($"All {Steps} steps of the flow schedule are done.");
        using var scope = NewDisposeScope();
        double dt = times[StepIndex + 1] - times[StepIndex];
        var next = Solver == FlowSolver.Adams2 && previousVelocity is not null
            ? xt + dt * (1.5 * velocity - 0.5 * previousVelocity)
            : xt + dt * velocity;
        if (Solver == FlowSolver.Adams2)
        {
            previousVelocity?.Dispose();
            previousVelocity = velocity.detach().clone().DetachFromDisposeScope();
        }
        StepIndex++;
        return next.MoveToOuterDisposeScope();
    }

    /// <summary>Runs the remaining steps, calling <paramref name="model"/> at each, and returns x at t = 1 (the last time).</summary>
    public Tensor Run(VelocityModel model, Tensor xt)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(xt);
        using var outer = NewDisposeScope();
        var x = xt;
        while (StepIndex < Steps)
        {
            using var inner = NewDisposeScope();
            var t = full(x.shape[0], Time, x.dtype, device: x.device);
            var next = Step(x, model(x, t, StepIndex)).MoveToOuterDisposeScope();
            if (!ReferenceEquals(x, xt)) x.Dispose();
            x = next;
        }
        return ReferenceEquals(x, xt) ? xt.clone().MoveToOuterDisposeScope() : x.MoveToOuterDisposeScope();
    }

    /// <summary>Samples from <paramref name="noise"/> (x at t = 0) over <paramref name="times"/> with one call.</summary>
    public static Tensor Sample(VelocityModel model, Tensor noise, IReadOnlyList<double> times, FlowSolver solver)
    {
        using var sampler = new FlowSampler(times, solver);
        return sampler.Run(model, noise);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        previousVelocity?.Dispose();
        previousVelocity = null;
    }
}
