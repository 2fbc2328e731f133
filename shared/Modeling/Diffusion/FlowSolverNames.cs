namespace Media.Modeling.Diffusion;

/// <summary>
/// The one list of the flow ODE solvers' names, <c>euler</c> and <c>adams2</c>: the speech job's <c>solver</c> parameter,
/// its schema's choices and the CLI's <c>--solver</c> all read it.
/// </summary>
public static class FlowSolverNames
{
    /// <summary>Every solver's name, in the enum's order.</summary>
    public static IReadOnlyList<string> All { get; } = [.. Enum.GetValues<FlowSolver>().Select(Name)];

    /// <summary>The lower-case name of <paramref name="solver"/>.</summary>
    public static string Name(FlowSolver solver) => solver switch
    {
        FlowSolver.Euler => "euler",
        FlowSolver.Adams2 => "adams2",
        _ => throw new ArgumentOutOfRangeException(nameof(solver), solver, "Unknown flow solver."),
    };

    /// <summary>The solver named <paramref name="name"/> (case-insensitive); anything else, numbers included, is an <see cref="ArgumentException"/>.</summary>
    public static FlowSolver Parse(string name, string option)
    {
        if (TryParse(name, out var solver)) return solver;
        throw new ArgumentException($"{option} takes {string.Join(" or ", All)}, not '{name}'.");
    }

    /// <summary>The solver named <paramref name="name"/> (case-insensitive), or false.</summary>
    public static bool TryParse(string? name, out FlowSolver solver)
    {
        foreach (var candidate in Enum.GetValues<FlowSolver>())
            if (string.Equals(Name(candidate), name?.Trim(), StringComparison.OrdinalIgnoreCase))
            {
                solver = candidate;
                return true;
            }
        solver = default;
        return false;
    }
}
