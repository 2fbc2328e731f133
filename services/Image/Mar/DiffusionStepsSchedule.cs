using Media.Modeling.Diffusion;
using System.Text.Json.Serialization;

namespace Media.Services.Image.Mar;

/// <summary>How DiSA anneals the diffusion head's step count over the AR iterations.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<DisaScheduleKind>))]
public enum DisaScheduleKind
{
    /// <summary>L steps at every AR iteration.</summary>
    Constant,

    /// <summary>L + floor((N-1-k)/(N-1) (U-L)): U at the first iteration, L at the last.</summary>
    Linear,

    /// <summary>L + floor((cos(pi k/(N-1)) + 1)/2 (U-L)).</summary>
    Cosine,

    /// <summary>U for the first half of the iterations, L after.</summary>
    TwoStage,
}

/// <summary>
/// DiSA's diffusion-step annealing (arXiv 2505.20297), a per-request knob: with N AR iterations, the
/// head runs <see cref="StepsAt"/> respaced steps at iteration k, between <see cref="Max"/> (U) and
/// <see cref="Min"/> (L), on timesteps clipped to at most <see cref="MaxTimestep"/> (950). A request
/// without a schedule samples like MAR: the model's fixed step count over all 1000 timesteps.
/// </summary>
/// <param name="Kind">The schedule.</param>
/// <param name="Max">U, the most steps (first iterations).</param>
/// <param name="Min">L, the fewest steps (last iterations).</param>
public sealed record DiffusionStepsSchedule(DisaScheduleKind Kind, int Max, int Min)
{
    /// <summary>The largest timestep a DiSA sampler starts from.</summary>
    public const int MaxTimestep = 950;

    /// <summary>DiSA's default for MAR: linear from 50 to 5.</summary>
    public static DiffusionStepsSchedule Default { get; } = new(DisaScheduleKind.Linear, 50, 5);

    /// <summary>Names accepted in requests and on the command line.</summary>
    public static IReadOnlyList<string> Names { get; } = ["constant", "linear", "cosine", "two-stage"];

    /// <summary>The schedule named <paramref name="name"/> (<see cref="Names"/>); throws <see cref="ArgumentException"/> naming the choices.</summary>
    public static DisaScheduleKind ParseKind(string name) => name.Trim().ToLowerInvariant() switch
    {
        "constant" => DisaScheduleKind.Constant,
        "linear" => DisaScheduleKind.Linear,
        "cosine" => DisaScheduleKind.Cosine,
        "two-stage" or "two_stage" or "twostage" => DisaScheduleKind.TwoStage,
        _ => throw new ArgumentException($"Unknown diffusion step schedule '{name}'; use one of {string.Join(", ", Names)}."),
    };

    /// <summary>The schedule's request name.</summary>
    public string Name => Kind switch
    {
        DisaScheduleKind.Constant => "constant",
        DisaScheduleKind.Linear => "linear",
        DisaScheduleKind.Cosine => "cosine",
        _ => "two-stage",
    };

    /// <summary>Throws <see cref="ArgumentException"/> when the bounds are outside 1..<see cref="MaxTimestep"/> or min exceeds max.</summary>
    public void Validate()
    {
        if (!Enum.IsDefined(Kind)) throw new ArgumentException($"Unknown schedule {Kind}.");
        if (Min < 1 || Max > MaxTimestep + 1 || Min > Max)
            throw new ArgumentException($"diffusion_steps needs 1 <= min <= max <= {MaxTimestep + 1}; got min {Min}, max {Max}.");
    }

    /// <summary>Head steps at AR iteration <paramref name="k"/> of <paramref name="iterations"/> (N), by the shared <see cref="DiffusionStepSchedule"/>.</summary>
    public int StepsAt(int k, int iterations)
    {
        if (iterations < 1 || k < 0 || k >= iterations)
            throw new ArgumentOutOfRangeException(nameof(k), $"Iteration {k} is outside 0..{iterations - 1}.");
        return Annealing.StepsAt(k, iterations);
    }

    /// <summary>The shared DiSA schedule with this request's kind, U and L.</summary>
    public DiffusionStepSchedule Annealing => new(Kind switch
    {
        DisaScheduleKind.Constant => DiffusionStepAnnealing.Constant,
        DisaScheduleKind.Linear => DiffusionStepAnnealing.Linear,
        DisaScheduleKind.Cosine => DiffusionStepAnnealing.Cosine,
        _ => DiffusionStepAnnealing.TwoStage,
    }, Max, Min);

    /// <summary>The step count of every iteration.</summary>
    public int[] Steps(int iterations) => [.. Enumerable.Range(0, iterations).Select(k => StepsAt(k, iterations))];
}
