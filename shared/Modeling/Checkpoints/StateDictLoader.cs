using static TorchSharp.torch;

namespace Media.Modeling.Checkpoints;

/// <summary>
/// Copies a state dict into a module's existing parameters and buffers (in place, under no_grad, on
/// the module's device and in its dtypes). Strict mode checks everything first and throws one
/// exception naming all missing, unexpected and wrongly-shaped keys; non-strict mode loads what
/// matches and returns the same report.
/// </summary>
public static class StateDictLoader
{
    /// <summary>Compares without copying anything.</summary>
    public static StateDictLoadReport Compare(nn.Module module, IReadOnlyDictionary<string, Tensor> source)
    {
        ArgumentNullException.ThrowIfNull(module);
        ArgumentNullException.ThrowIfNull(source);
        var target = module.state_dict();
        var loaded = new List<string>();
        var missing = new List<string>();
        var shapes = new List<ShapeMismatch>();
        foreach (var (key, tensor) in target)
        {
            if (!source.TryGetValue(key, out var found)) missing.Add(key);
            else if (!tensor.shape.SequenceEqual(found.shape)) shapes.Add(new ShapeMismatch(key, tensor.shape, found.shape));
            else loaded.Add(key);
        }
        var unexpected = source.Keys.Where(k => !target.ContainsKey(k)).ToList();
        return new StateDictLoadReport(loaded, missing, unexpected, shapes);
    }

    /// <summary>Loads <paramref name="source"/> into <paramref name="module"/>.</summary>
    /// <param name="module">The module whose tensors are overwritten.</param>
    /// <param name="source">Named tensors, on any device and of any dtype.</param>
    /// <param name="strict">Throw <see cref="StateDictMismatchException"/> unless keys and shapes match exactly.</param>
    public static StateDictLoadReport Load(nn.Module module, IReadOnlyDictionary<string, Tensor> source, bool strict = true)
    {
        var report = Compare(module, source);
        if (strict && !report.IsExact) throw new StateDictMismatchException(report);
        var target = module.state_dict();
        using (no_grad())
        {
            foreach (var key in report.Loaded) target[key].copy_(source[key]);
        }
        return report;
    }
}
