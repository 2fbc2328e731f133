using System.Collections.Frozen;

namespace Media.Services.Audio.Speech.FrontEnd;

/// <summary>
/// The fixed character inventory shared by the text-to-speech input and the CTC recognizer's output:
/// id 0 is padding (and the CTC blank), then space, apostrophe, hyphen, a-z, and the prosody marks
/// , . ? ! ; : that <see cref="Media.Audio.Text.TextNormalizer"/> keeps. The table is written into
/// every model's config so a checkpoint always decodes with the inventory it was trained on.
/// </summary>
public sealed class SpeechSymbols
{
    /// <summary>Id of padding, which is also the CTC blank.</summary>
    public const int Pad = 0;

    /// <summary>The inventory this project trains with (version 1).</summary>
    public static SpeechSymbols Default { get; } = new(" '-abcdefghijklmnopqrstuvwxyz,.?!;:");

    readonly FrozenDictionary<char, int> ids;

    /// <summary>A table from the characters after the padding id, in id order (ids 1, 2, ...).</summary>
    public SpeechSymbols(string characters)
    {
        ArgumentException.ThrowIfNullOrEmpty(characters);
        if (characters.Distinct().Count() != characters.Length)
            throw new ArgumentException($"The symbol table repeats a character: \"{characters}\".", nameof(characters));
        Characters = characters;
        ids = characters.Select((c, i) => (c, i)).ToFrozenDictionary(p => p.c, p => p.i + 1);
    }

    /// <summary>The characters of ids 1..Count-1, in order (what the model config stores).</summary>
    public string Characters { get; }

    /// <summary>Number of ids including padding.</summary>
    public int Count => Characters.Length + 1;

    /// <summary>Whether <paramref name="c"/> has an id.</summary>
    public bool Contains(char c) => ids.ContainsKey(c);

    /// <summary>Whether <paramref name="c"/> is a prosody mark (punctuation kept for phrasing, not spoken as a sound).</summary>
    public static bool IsProsodyMark(char c) => c is ',' or '.' or '?' or '!' or ';' or ':';

    /// <summary>The id of <paramref name="c"/>; <see cref="ArgumentException"/> when it has none.</summary>
    public int IdOf(char c) => ids.TryGetValue(c, out int id)
        ? id
        : throw new ArgumentException($"'{c}' (U+{(int)c:X4}) is not in the symbol table \"{Characters}\".", nameof(c));

    /// <summary>The character of <paramref name="id"/> (ids 1..Count-1).</summary>
    public char CharOf(int id) => id >= 1 && id < Count
        ? Characters[id - 1]
        : throw new ArgumentOutOfRangeException(nameof(id), id, $"Symbol ids run from 1 to {Count - 1} (0 is padding).");
}
