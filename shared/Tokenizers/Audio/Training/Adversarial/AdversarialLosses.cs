using static TorchSharp.torch;

namespace Media.Tokenizers.Audio.Training.Adversarial;

/// <summary>
/// EnCodec's adversarial terms over the K scales of a <see cref="MultiScaleStftDiscriminator"/> (paper, eq. 2-4):
/// the generator's hinge <c>1/K Σ_k mean max(0, 1 - D_k(x̂))</c>, the relative feature matching
/// <c>1/(K L) Σ_k Σ_l mean|D_k^l(x) - D_k^l(x̂)| / mean|D_k^l(x)|</c>, and the discriminator's hinge
/// <c>1/K Σ_k mean max(0, 1 - D_k(x)) + mean max(0, 1 + D_k(x̂))</c>.
/// </summary>
public static class AdversarialLosses
{
    /// <summary>The generator's hinge loss on the logits of decoded audio.</summary>
    public static Tensor Generator(IReadOnlyList<(Tensor Logits, IReadOnlyList<Tensor> Features)> decoded)
    {
        ArgumentNullException.ThrowIfNull(decoded);
        using var scope = NewDisposeScope();
        var terms = decoded.Select(d => nn.functional.relu(1.0 - d.Logits).mean()).ToArray();
        return stack(terms).mean().MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Feature matching: each activation of decoded audio against the same activation of the real audio (held fixed),
    /// L1 relative to the real activation's mean magnitude, averaged over layers and scales.
    /// </summary>
    public static Tensor FeatureMatching(IReadOnlyList<(Tensor Logits, IReadOnlyList<Tensor> Features)> real,
        IReadOnlyList<(Tensor Logits, IReadOnlyList<Tensor> Features)> decoded)
    {
        ArgumentNullException.ThrowIfNull(real);
        ArgumentNullException.ThrowIfNull(decoded);
        if (real.Count != decoded.Count) throw new ArgumentException("Real and decoded audio must come from the same scales.", nameof(decoded));
        using var scope = NewDisposeScope();
        var terms = new List<Tensor>();
        for (int k = 0; k < real.Count; k++)
        {
            if (real[k].Features.Count != decoded[k].Features.Count) throw new ArgumentException($"Scale {k} has different layer counts.", nameof(decoded));
            for (int l = 0; l < real[k].Features.Count; l++)
            {
                var target = real[k].Features[l].detach();
                terms.Add(nn.functional.l1_loss(decoded[k].Features[l], target) / target.abs().mean().clamp_min(1e-8));
            }
        }
        return stack(terms).mean().MoveToOuterDisposeScope();
    }

    /// <summary>The discriminator's hinge loss: real audio pushed above 1, decoded audio (detached by the caller) below -1.</summary>
    public static Tensor Discriminator(IReadOnlyList<(Tensor Logits, IReadOnlyList<Tensor> Features)> real,
        IReadOnlyList<(Tensor Logits, IReadOnlyList<Tensor> Features)> decoded)
    {
        ArgumentNullException.ThrowIfNull(real);
        ArgumentNullException.ThrowIfNull(decoded);
        if (real.Count != decoded.Count) throw new ArgumentException("Real and decoded audio must come from the same scales.", nameof(decoded));
        using var scope = NewDisposeScope();
        var terms = real.Zip(decoded, (r, f) => nn.functional.relu(1.0 - r.Logits).mean() + nn.functional.relu(1.0 + f.Logits).mean()).ToArray();
        return stack(terms).mean().MoveToOuterDisposeScope();
    }
}
