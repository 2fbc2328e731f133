using Media.Modeling.Diffusion;

namespace Media.Cli.Commands.Speech;

/// <summary>The command-line names of the flow ODE solvers: <c>euler</c>, <c>adams2</c>.</summary>
internal static class FlowSolverNames
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
        foreach (var solver in Enum.GetValues<FlowSolver>())
            if (string.Equals(Name(solver), name?.Trim(), StringComparison.OrdinalIgnoreCase)) return solver;
        throw new ArgumentException($"{option} takes {string.Join(" or ", All)}, not '{name}'.");
    }
}
