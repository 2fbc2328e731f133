using TorchSharp;
using static TorchSharp.torch;

namespace Media.Modeling.Training;

/// <summary>
/// An exponential moving average of a module's weights: after each optimizer step,
/// shadow = decay * shadow + (1 - decay) * parameter for floating-point parameters, while buffers
/// (and non-float tensors) are copied. <see cref="SwapIn"/> puts the averages into the module for
/// evaluation or export and restores the training weights afterwards.
/// </summary>
public sealed class ExponentialMovingAverage : IDisposable
{
    readonly nn.Module module;
    readonly Dictionary<string, Tensor> shadow;
    readonly HashSet<string> averaged;

    /// <summary>The decay in [0, 1).</summary>
    public double Decay { get; }

    /// <summary>Number of updates applied.</summary>
    public long Updates { get; private set; }

    /// <summary>The averaged tensors by state-dict key (on the module's device).</summary>
    public IReadOnlyDictionary<string, Tensor> State => shadow;

    /// <summary>Starts an average equal to the module's current weights.</summary>
    public ExponentialMovingAverage(nn.Module module, double decay)
    {
        ArgumentNullException.ThrowIfNull(module);
        if (!(decay >= 0 && decay < 1)) throw new ArgumentOutOfRangeException(nameof(decay), decay, "EMA decay must lie in [0, 1).");
        this.module = module;
        Decay = decay;
        averaged = module.named_parameters().Where(p => p.parameter.is_floating_point()).Select(p => p.name).ToHashSet(StringComparer.Ordinal);
        shadow = Snapshot(module);
    }

    // Copies owned by this object, not by whatever dispose scope happens to be open.
    static Dictionary<string, Tensor> Snapshot(nn.Module module)
    {
        using var noGrad = no_grad();
        return module.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.clone().DetachFromDisposeScope(), StringComparer.Ordinal);
    }

    /// <summary>Folds the module's current weights into the average.</summary>
    public void Update()
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        foreach (var (key, current) in module.state_dict())
        {
            var shadow = this.shadow[key];
            if (averaged.Contains(key)) shadow.mul_(Decay).add_(current.detach(), alpha: 1 - Decay);
            else shadow.copy_(current);
        }
        Updates++;
    }

    /// <summary>Copies the averages into a module with the same keys (e.g. an export copy).</summary>
    public void CopyTo(nn.Module module)
    {
        ArgumentNullException.ThrowIfNull(module);
        using var noGrad = no_grad();
        foreach (var (key, target) in module.state_dict()) target.copy_(shadow[key]);
    }

    /// <summary>Puts the averages into the module until the returned handle is disposed.</summary>
    public IDisposable SwapIn()
    {
        var backup = Snapshot(module);
        CopyTo(module);
        return new Restore(module, backup);
    }

    /// <summary>Replaces the averages (when resuming); keys and shapes must match.</summary>
    public void Load(IReadOnlyDictionary<string, Tensor> state, long updates)
    {
        ArgumentNullException.ThrowIfNull(state);
        var missing = shadow.Keys.Where(k => !state.ContainsKey(k)).ToList();
        if (missing.Count > 0) throw new ArgumentException($"EMA state lacks {string.Join(", ", missing)}.", nameof(state));
        using var noGrad = no_grad();
        foreach (var (key, shadow) in shadow) shadow.copy_(state[key]);
        Updates = updates;
    }

    /// <summary>Frees the averages.</summary>
    public void Dispose()
    {
        foreach (var tensor in shadow.Values) tensor.Dispose();
        shadow.Clear();
    }

    sealed class Restore(nn.Module module, Dictionary<string, Tensor> backup) : IDisposable
    {
        public void Dispose()
        {
            using (no_grad())
            {
                foreach (var (key, target) in module.state_dict()) target.copy_(backup[key]);
            }
            foreach (var tensor in backup.Values) tensor.Dispose();
            backup.Clear();
        }
    }
}
