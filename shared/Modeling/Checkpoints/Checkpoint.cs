using TorchSharp;
using static TorchSharp.torch;

namespace Media.Modeling.Checkpoints;

/// <summary>
/// Loading and saving model weights: safetensors (memory-mapped) or PyTorch pickles in, wrappers
/// unwrapped, weight norm folded, keys renamed, floats converted, then copied into a module.
/// </summary>
public static class Checkpoint
{
    /// <summary>Reads a checkpoint file into a flat state dict, applying <paramref name="options"/> in order:
    /// read (only <see cref="CheckpointLoadOptions.Keys"/> when set), unwrap, fold weight norm, rename, convert floats.</summary>
    public static Dictionary<string, Tensor> Load(string path, CheckpointLoadOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        options ??= new CheckpointLoadOptions();
        var state = Read(path, options);
        var originals = state.Values.ToList();
        try
        {
            if (options.FoldWeightNorm) state = WeightNorm.FoldAll(state);
            if (options.Renames is { } renames) state = renames.Apply(state);
            if (options.FloatDtype is { } dtype || options.Device is not null)
                state = state.ToDictionary(kv => kv.Key, kv => Place(kv.Value, options.FloatDtype, options.Device), StringComparer.Ordinal);
        }
        catch
        {
            foreach (var tensor in originals) tensor.Dispose();
            throw;
        }
        // Tensors folded or converted away are no longer reachable by the caller: free them now.
        var kept = new HashSet<Tensor>(state.Values, ReferenceEqualityComparer.Instance);
        foreach (var tensor in originals.Where(t => !kept.Contains(t))) tensor.Dispose();
        return state;
    }

    /// <summary>Loads a checkpoint file into <paramref name="module"/> (see <see cref="StateDictLoader.Load"/>).</summary>
    public static StateDictLoadReport LoadInto(nn.Module module, string path, CheckpointLoadOptions? options = null, bool strict = true)
    {
        ArgumentNullException.ThrowIfNull(module);
        // Tensors are copied into the module, which converts dtype and device; keep the file's tensors on CPU.
        var state = Load(path, options);
        try
        {
            return StateDictLoader.Load(module, state, strict);
        }
        finally
        {
            foreach (var tensor in state.Values) tensor.Dispose();
        }
    }

    /// <summary>
    /// Moves a freshly built <paramref name="model"/> to <paramref name="device"/>, loads the checkpoint at <paramref name="path"/>
    /// into it (strict) and sets eval mode; a load that fails disposes the model, so no half-loaded module escapes.
    /// </summary>
    public static T LoadModel<T>(T model, string path, CheckpointLoadOptions? options = null, Device? device = null) where T : nn.Module
    {
        ArgumentNullException.ThrowIfNull(model);
        try
        {
            if (device is not null) model.to(device);
            LoadInto(model, path, options, strict: true);
            model.eval();
            return model;
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    /// <summary>
    /// As <see cref="LoadModel{T}(T, string, CheckpointLoadOptions?, Device?)"/> from a state dict the caller has already read
    /// (and keeps and disposes): for public checkpoints whose keys are filtered or converted first.
    /// </summary>
    public static T LoadModel<T>(T model, IReadOnlyDictionary<string, Tensor> state, Device? device = null) where T : nn.Module
    {
        ArgumentNullException.ThrowIfNull(model);
        try
        {
            ArgumentNullException.ThrowIfNull(state);
            if (device is not null) model.to(device);
            StateDictLoader.Load(model, state, strict: true);
            model.eval();
            return model;
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    /// <summary>Saves a module's state dict as safetensors, atomically; <paramref name="floatDtype"/> F16 halves committed checkpoints.</summary>
    public static void Save(nn.Module module, string path, IReadOnlyDictionary<string, string>? metadata = null, ScalarType? floatDtype = null)
    {
        ArgumentNullException.ThrowIfNull(module);
        SafetensorsWriter.Write(path, module.state_dict(), metadata, floatDtype);
    }

    static Dictionary<string, Tensor> Read(string path, CheckpointLoadOptions options)
    {
        string extension = System.IO.Path.GetExtension(path);
        if (extension.Equals(".safetensors", StringComparison.OrdinalIgnoreCase))
        {
            using var file = SafetensorsFile.Open(path);
            var keys = options.Keys;
            if (keys is null && file.Keys.Any() && file.Keys.All(k => k.StartsWith("module.", StringComparison.Ordinal)))
                return StateDictUnwrapper.StripModulePrefix(file.ReadAll());
            return file.ReadAll(keys);
        }
        if (PyTorchCheckpoint.Extensions.Contains(extension))
        {
            var state = StateDictUnwrapper.Unwrap(PyTorchCheckpoint.ReadTree(path), options.PreferEma);
            if (options.Keys is null) return state;
            var missing = options.Keys.Where(k => !state.ContainsKey(k)).ToList();
            if (missing.Count > 0)
            {
                foreach (var tensor in state.Values) tensor.Dispose();
                throw new KeyNotFoundException($"{path} has no tensor(s) {string.Join(", ", missing.Select(m => $"'{m}'"))}.");
            }
            var selected = options.Keys.ToDictionary(k => k, k => state[k], StringComparer.Ordinal);
            foreach (var (key, tensor) in state)
                if (!selected.ContainsKey(key)) tensor.Dispose();
            return selected;
        }
        throw new ArgumentException(
            $"'{path}': unknown checkpoint extension '{extension}'; use .safetensors or a PyTorch file ({string.Join(", ", PyTorchCheckpoint.Extensions)}).",
            nameof(path));
    }

    static Tensor Place(Tensor tensor, ScalarType? floatDtype, Device? device)
    {
        var result = tensor;
        if (floatDtype is { } dtype && SafetensorsDType.IsFloatingPoint(tensor.dtype) && tensor.dtype != dtype)
            result = result.to_type(dtype);
        if (device is not null)
        {
            // to() hands back a new handle even when the tensor already lives there, so the old one can always go.
            var moved = result.to(device);
            if (!ReferenceEquals(result, tensor)) result.Dispose();
            result = moved;
        }
        return result;
    }
}
