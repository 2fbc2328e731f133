namespace Media.Modeling.Diffusion;

/// <summary>ODE integrators for a flow-matching sampler.</summary>
public enum FlowSolver
{
    /// <summary>x += dt v.</summary>
    Euler,

    /// <summary>D-AR's "adams2": Euler on the first step, then x += dt (1.5 v - 0.5 v_prev) (two-step Adams-Bashforth).</summary>
    Adams2,
}
