namespace Media.Modeling.Diffusion;

/// <summary>The variance of each reverse step, as iDDPM's <c>ModelVarType</c>.</summary>
public enum DiffusionVariance
{
    /// <summary>The posterior variance beta-tilde (DDPM's lower bound).</summary>
    FixedSmall,

    /// <summary>beta_t (with beta-tilde_1 at t = 0), DDPM's upper bound.</summary>
    FixedLarge,

    /// <summary>The model also outputs v in [-1, 1] interpolating log beta-tilde (v = -1) and log beta (v = +1); MAR, DiT.</summary>
    LearnedRange,
}
