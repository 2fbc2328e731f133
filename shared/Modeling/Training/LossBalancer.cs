using static TorchSharp.torch;

namespace Media.Modeling.Training;

/// <summary>
/// EnCodec's loss balancer (audiocraft's <c>Balancer</c>): the losses that depend on a model output x̂ are not summed;
/// each one's gradient with respect to x̂ is taken alone, divided by a running average of its norm, and the weighted
/// sum <c>Σ_i (λ_i / Σλ) · R · g_i / ⟨‖g_i‖⟩_β</c> is what flows back into the model. So a loss's weight is its share
/// of the gradient, whatever its scale: weights are fractions, not exchange rates. Norms are per batch item (then
/// averaged), the average is a bias-corrected exponential one with decay β, and R (the total norm) is 1.
/// </summary>
/// <remarks>
/// The trainer backpropagates one scalar, so <see cref="Surrogate"/> returns <c>sum(x̂ · G)</c> with G the balanced
/// gradient held fixed: its gradient with respect to x̂ is exactly G. Losses that do not pass through x̂ (a commitment
/// loss, a discriminator's own loss) are added to it unbalanced. The averages live in memory only; after a resume they
/// warm up again within a few steps (bias-corrected).
/// </remarks>
public sealed class LossBalancer
{
    readonly IReadOnlyDictionary<string, double> weights;
    readonly double beta;
    readonly double totalNorm;
    readonly Dictionary<string, (double Sum, double Count)> averages = new(StringComparer.Ordinal);

    /// <summary>A balancer over losses named as in <paramref name="weights"/> (all positive).</summary>
    public LossBalancer(IReadOnlyDictionary<string, double> weights, double beta = 0.999, double totalNorm = 1.0)
    {
        ArgumentNullException.ThrowIfNull(weights);
        if (weights.Count == 0) throw new ArgumentException("Give at least one loss to balance.", nameof(weights));
        if (weights.Values.Any(w => !double.IsFinite(w) || w <= 0)) throw new ArgumentException("Balanced loss weights must be positive.", nameof(weights));
        if (!(beta >= 0 && beta < 1)) throw new ArgumentOutOfRangeException(nameof(beta), beta, "The decay must lie in [0, 1).");
        if (!(totalNorm > 0)) throw new ArgumentOutOfRangeException(nameof(totalNorm), totalNorm, "The total norm must be positive.");
        this.weights = weights;
        this.beta = beta;
        this.totalNorm = totalNorm;
    }

    /// <summary>Each loss's share of the balanced gradient: its weight over the weights' sum.</summary>
    public IReadOnlyDictionary<string, double> Shares => weights.ToDictionary(p => p.Key, p => p.Value / weights.Values.Sum(), StringComparer.Ordinal);

    /// <summary>The running average of each loss's gradient norm (per batch item), as last updated.</summary>
    public IReadOnlyDictionary<string, double> AverageNorms =>
        averages.ToDictionary(p => p.Key, p => p.Value.Sum / p.Value.Count, StringComparer.Ordinal);

    /// <summary>
    /// The balanced gradient with respect to <paramref name="output"/> of the named <paramref name="losses"/> (each a scalar
    /// computed from it, graph retained), and the scalar whose backward delivers it: see <see cref="LossBalancer"/>.
    /// </summary>
    public (Tensor Surrogate, Tensor Gradient) Surrogate(Tensor output, IReadOnlyDictionary<string, Tensor> losses)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(losses);
        if (!losses.Keys.ToHashSet(StringComparer.Ordinal).SetEquals(weights.Keys))
            throw new ArgumentException($"Expected the losses {string.Join(", ", weights.Keys)}; got {string.Join(", ", losses.Keys)}.", nameof(losses));
        using var scope = NewDisposeScope();
        var shares = Shares;
        Tensor? balanced = null;
        foreach (var (name, loss) in losses)
        {
            var grad = autograd.grad([loss], [output], retain_graph: true)[0];
            // The norm per batch item, averaged over the batch (audiocraft's per_batch_item).
            double norm = grad.reshape(grad.dim() == 0 ? 1 : grad.shape[0], -1).norm(1, false, 2).mean().item<float>();
            var (sum, count) = averages.GetValueOrDefault(name);
            (sum, count) = (beta * sum + norm, beta * count + 1);
            averages[name] = (sum, count);
            double scale = shares[name] * totalNorm / (1e-12 + sum / count);
            balanced = balanced is null ? grad * scale : balanced.add_(grad, alpha: scale);
        }
        var gradient = balanced!.detach();
        return ((output * gradient).sum().MoveToOuterDisposeScope(), gradient.MoveToOuterDisposeScope());
    }
}
