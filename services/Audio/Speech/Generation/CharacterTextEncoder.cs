using Media.Audio.Text;

namespace Media.Services.Audio.Speech.Generation;

/// <summary>
/// Characters as tokens: <see cref="TextNormalizer"/> (numbers, abbreviations, symbols to words), lower case, then one id
/// per character of a fixed alphabet; id 0 is padding and anything outside the alphabet is dropped.
/// </summary>
public sealed class CharacterTextEncoder : ISpeechTextEncoder
{
    /// <summary>The alphabet; id = index + 1.</summary>
    public const string Alphabet = " abcdefghijklmnopqrstuvwxyz'.,?!;:-";

    /// <inheritdoc/>
    public int VocabularySize => Alphabet.Length + 1;

    /// <inheritdoc/>
    public string Normalize(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var lower = TextNormalizer.Normalize(text).ToLowerInvariant();
        return string.Join(' ', new string([.. lower.Where(c => Alphabet.Contains(c, StringComparison.Ordinal))]).Split(' ', StringSplitOptions.RemoveEmptyEntries));
    }

    /// <inheritdoc/>
    public int[] Encode(string normalizedText)
    {
        ArgumentNullException.ThrowIfNull(normalizedText);
        return [.. normalizedText.Select(c => Alphabet.IndexOf(c, StringComparison.Ordinal) + 1).Where(id => id > 0)];
    }
}
