using System.Collections;
using System.Globalization;
using TorchSharp.PyBridge;
using static TorchSharp.torch;

namespace Media.Modeling.Checkpoints;

/// <summary>
/// Reads PyTorch <c>torch.save</c> files (<c>.pt</c>, <c>.pth</c>, <c>.bin</c>, <c>.th</c>, <c>.ckpt</c>; the zip
/// format of PyTorch 1.6+) through TorchSharp.PyBridge's unpickler, as a tree of dictionaries whose
/// leaves are tensors or plain values (epoch numbers, strings, ...).
/// </summary>
public static class PyTorchCheckpoint
{
    /// <summary>File extensions treated as PyTorch pickles.</summary>
    public static readonly IReadOnlySet<string> Extensions =
        new HashSet<string>(StringComparer.OrdinalIgnoreCase) { ".pt", ".pth", ".bin", ".th", ".ckpt" };

    /// <summary>Reads the whole object saved in the file as nested dictionaries.</summary>
    public static IReadOnlyDictionary<string, object?> ReadTree(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (!File.Exists(path)) throw new FileNotFoundException($"PyTorch checkpoint '{path}' does not exist.", path);
        Hashtable root;
        try
        {
            using var stream = File.OpenRead(path);
            root = PyTorchUnpickler.UnpickleStateDict(stream, leaveOpen: true);
        }
        catch (Exception e) when (e is not IOException)
        {
            throw new InvalidDataException(
                $"{path}: not a readable PyTorch checkpoint ({e.GetType().Name}: {e.Message}). "
                + "Only the zip format of torch.save (PyTorch 1.6+) holding a dict of tensors is supported.", e);
        }
        return Convert(root);
    }

    static Dictionary<string, object?> Convert(IDictionary source)
    {
        var result = new Dictionary<string, object?>(StringComparer.Ordinal);
        foreach (DictionaryEntry item in source)
        {
            string key = System.Convert.ToString(item.Key, CultureInfo.InvariantCulture) ?? "";
            result[key] = item.Value is IDictionary nested and not Tensor ? Convert(nested) : item.Value;
        }
        return result;
    }
}
