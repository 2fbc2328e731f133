namespace Media.Modeling.Diffusion;

/// <summary>Noise schedules of DDPM/iDDPM, computed in double precision as the reference code does.</summary>
public static class BetaSchedules
{
    /// <summary>
    /// DDPM's linear schedule as iDDPM scales it for any step count: betas evenly spaced from
    /// 1e-4 * 1000 / T to 0.02 * 1000 / T.
    /// </summary>
    public static double[] Linear(int timesteps)
    {
        CheckTimesteps(timesteps);
        double scale = 1000.0 / timesteps, start = scale * 0.0001, end = scale * 0.02;
        if (timesteps == 1) return [start];
        return [.. Enumerable.Range(0, timesteps).Select(i => start + (end - start) * i / (timesteps - 1))];
    }

    /// <summary>
    /// iDDPM's cosine schedule: beta_i = min(1 - abar((i+1)/T) / abar(i/T), maxBeta) with
    /// abar(t) = cos((t + s) / (1 + s) * pi / 2)^2, s = 0.008.
    /// </summary>
    public static double[] Cosine(int timesteps, double offset = 0.008, double maxBeta = 0.999)
    {
        CheckTimesteps(timesteps);
        double AlphaBar(double t) => Math.Pow(Math.Cos((t + offset) / (1 + offset) * Math.PI / 2), 2);
        return [.. Enumerable.Range(0, timesteps)
            .Select(i => Math.Min(1 - AlphaBar((i + 1.0) / timesteps) / AlphaBar((double)i / timesteps), maxBeta))];
    }

    /// <summary>
    /// Stable Diffusion's "scaled_linear" schedule (latent diffusion; MagicMix's base model): betas whose square roots are
    /// evenly spaced from sqrt(0.00085) to sqrt(0.012) over the steps. It keeps more signal at mid timesteps than DDPM's
    /// linear schedule, so fractions of T such as MagicMix's k_min and k_max mean what they mean on Stable Diffusion.
    /// </summary>
    public static double[] ScaledLinear(int timesteps, double start = 0.00085, double end = 0.012)
    {
        CheckTimesteps(timesteps);
        double a = Math.Sqrt(start), b = Math.Sqrt(end);
        if (timesteps == 1) return [start];
        return [.. Enumerable.Range(0, timesteps).Select(i => Math.Pow(a + (b - a) * i / (timesteps - 1), 2))];
    }

    /// <summary>Selects a schedule by name: iDDPM's "linear" or "cosine", or Stable Diffusion's "scaled_linear".</summary>
    public static double[] Named(string name, int timesteps) => name switch
    {
        "linear" => Linear(timesteps),
        "cosine" => Cosine(timesteps),
        "scaled_linear" => ScaledLinear(timesteps),
        _ => throw new ArgumentException($"Unknown noise schedule '{name}': use linear, cosine or scaled_linear.", nameof(name)),
    };

    static void CheckTimesteps(int timesteps)
    {
        if (timesteps <= 0) throw new ArgumentOutOfRangeException(nameof(timesteps), timesteps, "A noise schedule needs at least one step.");
    }
}
