using System.Text.RegularExpressions;
using static TorchSharp.torch;

namespace Media.Modeling.Checkpoints;

/// <summary>
/// An ordered list of regex rewrite rules for checkpoint keys, e.g. HF EnCodec
/// <c>^encoder\.layers\.(\d+)\.conv\.</c> to <c>encoder.model.$1.conv.conv.</c>. Every rule is applied in
/// order to the result of the previous one (a pipeline), with .NET replacement syntax (<c>$1</c>, <c>${name}</c>).
/// </summary>
public sealed class KeyRenameTable
{
    readonly List<(Regex Pattern, string Replacement)> rules = [];

    /// <summary>The rules as written, in application order.</summary>
    public IEnumerable<(string Pattern, string Replacement)> Rules => rules.Select(r => (r.Pattern.ToString(), r.Replacement));

    /// <summary>Appends a rule; returns this table so rules can be chained.</summary>
    public KeyRenameTable Add(string pattern, string replacement)
    {
        ArgumentException.ThrowIfNullOrEmpty(pattern);
        ArgumentNullException.ThrowIfNull(replacement);
        Regex regex;
        try
        {
            regex = new Regex(pattern, RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1));
        }
        catch (ArgumentException e)
        {
            throw new ArgumentException($"Rename pattern '{pattern}' is not a valid regular expression: {e.Message}", nameof(pattern), e);
        }
        rules.Add((regex, replacement));
        return this;
    }

    /// <summary>The new name of one key.</summary>
    public string Rename(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        foreach (var (pattern, replacement) in rules) key = pattern.Replace(key, replacement);
        return key;
    }

    /// <summary>Renames every key; two keys that end up with the same name throw.</summary>
    public Dictionary<string, Tensor> Apply(IReadOnlyDictionary<string, Tensor> state)
    {
        ArgumentNullException.ThrowIfNull(state);
        var result = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        var sources = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (key, tensor) in state)
        {
            string renamed = Rename(key);
            if (sources.TryGetValue(renamed, out var other))
                throw new ArgumentException($"Rename rules map both '{other}' and '{key}' to '{renamed}'.", nameof(state));
            sources[renamed] = key;
            result[renamed] = tensor;
        }
        return result;
    }
}
