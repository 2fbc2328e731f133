using static TorchSharp.torch;

namespace Media.Modeling.Training;

/// <summary>Global-norm gradient clipping: all gradients are scaled together so their joint L2 norm is at most the limit.</summary>
public static class GradientClipping
{
    /// <summary>The L2 norm of all gradients taken as one vector (0 when there are none).</summary>
    public static double GlobalNorm(IEnumerable<Tensor> parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        using var scope = NewDisposeScope();
        var norms = parameters.Select(p => p.grad).Where(g => g is not null).Select(g => g!.detach().to_type(ScalarType.Float32).norm()).ToList();
        if (norms.Count == 0) return 0;
        return stack(norms).norm().item<float>();
    }

    /// <summary>
    /// Scales every gradient by min(1, maxNorm / (norm + 1e-6)) and returns the norm before clipping.
    /// A non-finite norm leaves the gradients untouched (the caller decides what to do).
    /// </summary>
    public static double ClipGlobalNorm(IEnumerable<Tensor> parameters, double maxNorm)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        if (!(maxNorm > 0)) throw new ArgumentOutOfRangeException(nameof(maxNorm), maxNorm, "The clipping norm must be positive.");
        var list = parameters.ToList();
        double norm = GlobalNorm(list);
        if (double.IsFinite(norm) && norm > maxNorm)
        {
            double scale = maxNorm / (norm + 1e-6);
            using var noGrad = no_grad();
            foreach (var p in list) p.grad?.mul_(scale);
        }
        return norm;
    }
}
