using System.Globalization;
using System.Text;
using Media.Audio.Text;

namespace Media.Services.Audio.Speech.FrontEnd;

/// <summary>
/// Written text to symbol ids for speech models: <see cref="TextNormalizer"/> (numbers, abbreviations,
/// symbols to words), lower case, accents folded (café -> cafe), then one id per character of
/// <see cref="SpeechSymbols"/>. Pure C#: nothing from espeak-ng or any system package at run time.
/// </summary>
public sealed class TextFrontEnd
{
    /// <summary>A front end over <paramref name="symbols"/> accepting up to <paramref name="maxSymbols"/> ids.</summary>
    public TextFrontEnd(SpeechSymbols symbols, int maxSymbols = 400)
    {
        ArgumentNullException.ThrowIfNull(symbols);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxSymbols, 1);
        Symbols = symbols;
        MaxSymbols = maxSymbols;
    }

    /// <summary>The symbol table.</summary>
    public SpeechSymbols Symbols { get; }

    /// <summary>Longest accepted input, in symbols after normalisation.</summary>
    public int MaxSymbols { get; }

    /// <summary>
    /// The canonical spoken form: normalised, lower-case, accents folded, characters outside the table
    /// dropped, spaces collapsed. This is both the TTS input text and the recognizer's target form.
    /// </summary>
    public string Canonicalize(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        string normalized = TextNormalizer.Normalize(text).ToLowerInvariant().Normalize(NormalizationForm.FormD);
        var sb = new StringBuilder(normalized.Length);
        foreach (char c in normalized)
        {
            if (CharUnicodeInfo.GetUnicodeCategory(c) == UnicodeCategory.NonSpacingMark) continue; // accent of a decomposed letter
            char k = char.IsWhiteSpace(c) ? ' ' : c;
            if (!Symbols.Contains(k)) continue;
            if (k == ' ' && (sb.Length == 0 || sb[^1] == ' ')) continue;
            sb.Append(k);
        }
        return sb.ToString().TrimEnd();
    }

    /// <summary>
    /// Symbol ids of <paramref name="text"/>. Throws <see cref="ArgumentException"/> when nothing speakable
    /// remains (empty, whitespace or symbols only) or when it exceeds <see cref="MaxSymbols"/>.
    /// </summary>
    public int[] Encode(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        string spoken = Canonicalize(text);
        if (!spoken.Any(char.IsLetter))
            throw new ArgumentException($"The text has nothing to speak after normalisation (got \"{Shorten(text)}\").", nameof(text));
        if (spoken.Length > MaxSymbols)
            throw new ArgumentException($"The text is {spoken.Length} symbols after normalisation; at most {MaxSymbols} fit. Split it into shorter sentences.", nameof(text));
        return spoken.Select(Symbols.IdOf).ToArray();
    }

    /// <summary>The text of ids (padding skipped): the inverse of <see cref="Encode"/> on canonical text.</summary>
    public string Decode(IEnumerable<int> ids)
    {
        ArgumentNullException.ThrowIfNull(ids);
        return new string(ids.Where(id => id != SpeechSymbols.Pad).Select(Symbols.CharOf).ToArray());
    }

    /// <summary>
    /// What a recognizer is scored on: the canonical text without prosody marks, hyphens as spaces
    /// (espeak-ng pauses no differently at "twenty-one"), spaces collapsed.
    /// </summary>
    public static string RecognitionTarget(string canonical)
    {
        ArgumentNullException.ThrowIfNull(canonical);
        var sb = new StringBuilder(canonical.Length);
        foreach (char c in canonical)
        {
            if (SpeechSymbols.IsProsodyMark(c)) continue;
            char k = c == '-' ? ' ' : c;
            if (k == ' ' && (sb.Length == 0 || sb[^1] == ' ')) continue;
            sb.Append(k);
        }
        return sb.ToString().TrimEnd();
    }

    static string Shorten(string s) => s.Length <= 40 ? s : s[..40] + "...";
}
