using TorchSharp;
using static TorchSharp.torch;

namespace Media.Modeling.Checkpoints;

/// <summary>
/// Folds weight normalisation into plain weights: W = g * v / ||v||, the norm taken over every
/// dimension in which g has size 1. With PyTorch's default <c>dim=0</c> that is per output channel for
/// Conv1d/Linear (v [out, in, k], g [out, 1, 1]) and per input channel for ConvTranspose1d
/// (v [in, out, k], g [in, 1, 1]); a scalar g (<c>dim=None</c>) normalises over the whole tensor.
/// </summary>
public static class WeightNorm
{
    const string LegacyG = ".weight_g", LegacyV = ".weight_v";
    const string ParametrizedG = ".parametrizations.weight.original0", ParametrizedV = ".parametrizations.weight.original1";

    /// <summary>Computes W from g and v; the norm is computed in at least float32 and W has v's dtype.</summary>
    public static Tensor Fold(Tensor g, Tensor v)
    {
        ArgumentNullException.ThrowIfNull(g);
        ArgumentNullException.ThrowIfNull(v);
        if (g.dim() != 0 && g.dim() != v.dim())
            throw new ArgumentException($"weight_g of shape [{string.Join(", ", g.shape)}] does not fit weight_v of shape [{string.Join(", ", v.shape)}].", nameof(g));
        var reduce = new List<long>();
        for (int d = 0; d < v.dim(); d++)
        {
            if (g.dim() == 0 || g.shape[d] == 1) reduce.Add(d);
            else if (g.shape[d] != v.shape[d])
                throw new ArgumentException($"weight_g of shape [{string.Join(", ", g.shape)}] does not fit weight_v of shape [{string.Join(", ", v.shape)}].", nameof(g));
        }
        using var scope = NewDisposeScope();
        var compute = v.dtype == ScalarType.Float64 ? ScalarType.Float64 : ScalarType.Float32;
        var vv = v.to_type(compute);
        var norm = reduce.Count == 0 ? vv.abs() : vv.square().sum(reduce.ToArray(), keepdim: true).sqrt();
        return (g.to_type(compute) * vv / norm).to_type(v.dtype).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// The inverse of <see cref="Fold"/> with PyTorch's default dim 0: g is the norm of each first-dimension slice of
    /// <paramref name="weight"/> ([out, 1, ..., 1]) and v the weight itself (copied), as <c>weight_norm</c> starts a layer.
    /// </summary>
    public static (Tensor G, Tensor V) Split(Tensor weight)
    {
        ArgumentNullException.ThrowIfNull(weight);
        if (weight.dim() < 2) throw new ArgumentException($"Weight norm over dim 0 needs a weight of two or more dimensions; got [{string.Join(", ", weight.shape)}].", nameof(weight));
        using var scope = NewDisposeScope();
        var detached = weight.detach();
        var compute = detached.dtype == ScalarType.Float64 ? ScalarType.Float64 : ScalarType.Float32;
        var reduce = Enumerable.Range(1, (int)detached.dim() - 1).Select(d => (long)d).ToArray();
        // The norm in at least float32, as Fold computes it; g keeps the weight's dtype.
        var g = detached.to_type(compute).square().sum(reduce, keepdim: true).sqrt().to_type(detached.dtype);
        return (g.MoveToOuterDisposeScope(), detached.clone().MoveToOuterDisposeScope());
    }

    /// <summary>
    /// A plain (folded) state for a module that trains under weight norm: for every <c>X.weight_g</c>/<c>X.weight_v</c>
    /// key of <paramref name="targetKeys"/> the pair is split from <paramref name="folded"/>'s <c>X.weight</c>
    /// (<see cref="Split"/>); other keys are taken as they are. New tensors are the caller's to dispose with the result.
    /// </summary>
    public static Dictionary<string, Tensor> Unfold(IReadOnlyDictionary<string, Tensor> folded, IEnumerable<string> targetKeys)
    {
        ArgumentNullException.ThrowIfNull(folded);
        ArgumentNullException.ThrowIfNull(targetKeys);
        var result = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (string key in targetKeys)
        {
            bool isG = key.EndsWith(LegacyG, StringComparison.Ordinal);
            if (!isG && !key.EndsWith(LegacyV, StringComparison.Ordinal))
            {
                if (folded.TryGetValue(key, out var plain)) result[key] = plain;
                continue;
            }
            string weight = key[..^LegacyG.Length] + ".weight";
            if (!folded.TryGetValue(weight, out var w))
                throw new KeyNotFoundException($"The weights have no '{weight}' for '{key}'.");
            var (g, v) = Split(w);
            result[key] = isG ? g : v;
            (isG ? v : g).Dispose();
        }
        return result;
    }

    /// <summary>
    /// Replaces every <c>X.weight_g</c>/<c>X.weight_v</c> pair and every
    /// <c>X.parametrizations.weight.original0</c>/<c>original1</c> pair by <c>X.weight</c>; other keys pass through.
    /// </summary>
    public static Dictionary<string, Tensor> FoldAll(IReadOnlyDictionary<string, Tensor> state)
    {
        ArgumentNullException.ThrowIfNull(state);
        var result = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (var (key, tensor) in state)
        {
            if (Pair(key, LegacyG, LegacyV, state, out var prefix, out var v)
                || Pair(key, ParametrizedG, ParametrizedV, state, out prefix, out v))
            {
                string weight = prefix + ".weight";
                if (state.ContainsKey(weight))
                    throw new InvalidDataException($"Checkpoint has both '{key}' and '{weight}'; cannot fold weight norm.");
                result[weight] = Fold(tensor, v);
            }
            else if (key.EndsWith(LegacyV, StringComparison.Ordinal) || key.EndsWith(ParametrizedV, StringComparison.Ordinal))
            {
                string g = key.EndsWith(LegacyV, StringComparison.Ordinal)
                    ? key[..^LegacyV.Length] + LegacyG
                    : key[..^ParametrizedV.Length] + ParametrizedG;
                if (!state.ContainsKey(g))
                    throw new InvalidDataException($"Checkpoint has '{key}' but not '{g}'; weight norm needs both.");
            }
            else result[key] = tensor;
        }
        return result;
    }

    static bool Pair(string key, string gSuffix, string vSuffix, IReadOnlyDictionary<string, Tensor> state,
        out string prefix, out Tensor v)
    {
        prefix = "";
        v = null!;
        if (!key.EndsWith(gSuffix, StringComparison.Ordinal)) return false;
        prefix = key[..^gSuffix.Length];
        if (!state.TryGetValue(prefix + vSuffix, out var found) || found is null)
            throw new InvalidDataException($"Checkpoint has '{key}' but not '{prefix + vSuffix}'; weight norm needs both.");
        v = found;
        return true;
    }
}
