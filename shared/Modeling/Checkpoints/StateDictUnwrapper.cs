using static TorchSharp.torch;

namespace Media.Modeling.Checkpoints;

/// <summary>
/// Finds the state dict inside a training checkpoint: descends through wrapper entries
/// (<c>state_dict</c>, <c>model</c>, <c>module</c>, or the EMA copies <c>model_ema</c>, <c>ema</c>,
/// <c>state_dict_ema</c> when asked for), flattens nested dictionaries into dotted keys, drops
/// non-tensor leaves, and strips the <c>module.</c> prefix that DataParallel adds to every key.
/// </summary>
public static class StateDictUnwrapper
{
    static readonly string[] EmaWrappers = ["model_ema", "ema", "state_dict_ema"];
    static readonly string[] Wrappers = ["state_dict", "model", "module"];

    /// <summary>Unwraps a tree read from a PyTorch file into a flat state dict.</summary>
    /// <param name="tree">The nested dictionaries.</param>
    /// <param name="preferEma">Take the EMA weights when the checkpoint carries them (MAR keeps both).</param>
    public static Dictionary<string, Tensor> Unwrap(IReadOnlyDictionary<string, object?> tree, bool preferEma = false)
    {
        ArgumentNullException.ThrowIfNull(tree);
        var node = tree;
        while (Descend(node, preferEma) is { } inner) node = inner;
        var flat = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        Flatten(node, "", flat);
        return StripModulePrefix(flat);
    }

    /// <summary>Removes a <c>module.</c> prefix when every key has it (a DataParallel save).</summary>
    public static Dictionary<string, Tensor> StripModulePrefix(Dictionary<string, Tensor> state)
    {
        ArgumentNullException.ThrowIfNull(state);
        const string prefix = "module.";
        if (state.Count == 0 || !state.Keys.All(k => k.StartsWith(prefix, StringComparison.Ordinal))) return state;
        return state.ToDictionary(kv => kv.Key[prefix.Length..], kv => kv.Value, StringComparer.Ordinal);
    }

    static IReadOnlyDictionary<string, object?>? Descend(IReadOnlyDictionary<string, object?> node, bool preferEma)
    {
        // A real state dict holds tensors at dotted keys; a dictionary value under a wrapper name is a wrapper.
        IEnumerable<string> order = preferEma ? EmaWrappers.Concat(Wrappers) : Wrappers;
        foreach (var name in order)
            if (node.TryGetValue(name, out var value) && value is IReadOnlyDictionary<string, object?> inner)
                return inner;
        // Only EMA weights present: use them even when not asked for, rather than finding nothing.
        if (!preferEma && !node.Values.Any(v => v is Tensor))
            foreach (var name in EmaWrappers)
                if (node.TryGetValue(name, out var value) && value is IReadOnlyDictionary<string, object?> inner)
                    return inner;
        return null;
    }

    static void Flatten(IReadOnlyDictionary<string, object?> node, string prefix, Dictionary<string, Tensor> into)
    {
        foreach (var (key, value) in node)
        {
            string name = prefix + key;
            if (value is Tensor tensor) into[name] = tensor;
            else if (value is IReadOnlyDictionary<string, object?> nested) Flatten(nested, name + ".", into);
        }
    }
}
