using static TorchSharp.torch;
using Media.Modeling.Tensors;

namespace Media.Tokenizers.Image.Kl;

/// <summary>
/// Latent diffusion's DiagonalGaussianDistribution: moments [B, 2C, h, w] split into mean and
/// log-variance (clamped to [-30, 20]). Owns its tensors.
/// </summary>
public sealed class DiagonalGaussian : IDisposable
{
    /// <summary>Splits <paramref name="moments"/> (taken over) into mean and log-variance.</summary>
    public DiagonalGaussian(Tensor moments)
    {
        ArgumentNullException.ThrowIfNull(moments);
        if (moments.dim() < 2 || moments.shape[1] % 2 != 0)
            throw new ArgumentException($"Moments need an even channel count; got [{string.Join(", ", moments.shape)}].", nameof(moments));
        using (moments)
        {
            var halves = moments.chunk(2, 1);
            Mean = halves[0];
            using var raw = halves[1];
            LogVariance = raw.Clamp(-30.0, 20.0);
        }
    }

    /// <summary>Mean [B, C, h, w].</summary>
    public Tensor Mean { get; }

    /// <summary>Log-variance [B, C, h, w], clamped to [-30, 20].</summary>
    public Tensor LogVariance { get; }

    /// <summary>mean + std * noise (reparameterised: gradients flow into both).</summary>
    public Tensor Sample(Generator? generator = null)
    {
        using var scope = NewDisposeScope();
        var noise = SeededRandom.Normal(Mean.shape, Mean.dtype, Mean.device, generator);
        return Mean.add(LogVariance.mul(0.5).exp().mul(noise)).MoveToOuterDisposeScope();
    }

    /// <summary>KL divergence to the standard normal, summed over all but the batch dimension: [B].</summary>
    public Tensor Kl()
    {
        using var scope = NewDisposeScope();
        var perElement = Mean.square().add(LogVariance.exp()).sub(1).sub(LogVariance).mul(0.5);
        return perElement.flatten(1).sum(1).MoveToOuterDisposeScope();
    }

    /// <inheritdoc />
    public void Dispose()
    {
        Mean.Dispose();
        LogVariance.Dispose();
    }
}
