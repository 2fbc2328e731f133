using System.Text;

namespace Media.Services.Image.Data;

/// <summary>
/// Decides held-out prompts by their attributes, not their wording: a fixed hash of
/// <see cref="PromptSpec.Signature"/> puts about one combination in ten into the held-out split, so a
/// held-out combination (say "a small red star in the top left corner") never appears in training in any wording.
/// </summary>
public static class PromptSplit
{
    /// <summary>One combination in this many is held out.</summary>
    public const int HeldOutModulus = 10;

    /// <summary>The split a prompt belongs to.</summary>
    public static DataSplit Of(PromptSpec prompt)
    {
        ArgumentNullException.ThrowIfNull(prompt);
        return Fnv1a(prompt.Signature) % HeldOutModulus == 0 ? DataSplit.HeldOut : DataSplit.Train;
    }

    // FNV-1a over UTF-8: stable across runs and platforms, unlike string.GetHashCode.
    static ulong Fnv1a(string text)
    {
        ulong hash = 14695981039346656037;
        foreach (var b in Encoding.UTF8.GetBytes(text))
        {
            hash ^= b;
            hash *= 1099511628211;
        }
        return hash;
    }
}
