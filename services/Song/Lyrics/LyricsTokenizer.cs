namespace Media.Services.Song.Lyrics;

/// <summary>
/// The song model's lyrics tokenizer: characters, since the sung text is only letters, apostrophes and spaces (after
/// <see cref="LyricsText"/>), and SongGen's phoneme-like VoiceBPE is replaced by letters the model learns to pronounce
/// from the corpus. Ids: 0 padding, 1 start, 2 end, 3 line break, 4-6 the section tags, 7 space, 8 apostrophe, 9-34 a-z.
/// </summary>
public static class LyricsTokenizer
{
    /// <summary>Padding id.</summary>
    public const int Pad = 0;

    /// <summary>Start of lyrics.</summary>
    public const int Bos = 1;

    /// <summary>End of lyrics.</summary>
    public const int Eos = 2;

    /// <summary>Between two lines of a section.</summary>
    public const int LineBreak = 3;

    const int FirstTag = 4, Space = 7, Apostrophe = 8, FirstLetter = 9;

    /// <summary>Number of ids.</summary>
    public const int VocabularySize = FirstLetter + 26;

    /// <summary>The index in <see cref="LyricsText.Tags"/> of a tag id, or -1 for any other id.</summary>
    public static int TagIndex(int id) => id is >= FirstTag and < Space ? id - FirstTag : -1;

    /// <summary>Start, then each section's tag and its lines (line breaks between them), then end.</summary>
    public static int[] Encode(IReadOnlyList<LyricsSection> sections)
    {
        ArgumentNullException.ThrowIfNull(sections);
        var ids = new List<int> { Bos };
        foreach (var section in sections)
        {
            int tag = LyricsText.Tags.ToList().IndexOf(section.Tag);
            if (tag < 0) throw new ArgumentException($"Unknown tag {section.Tag}.", nameof(sections));
            ids.Add(FirstTag + tag);
            for (int l = 0; l < section.Lines.Count; l++)
            {
                if (l > 0) ids.Add(LineBreak);
                foreach (char c in section.Lines[l]) ids.Add(Id(c));
            }
        }
        ids.Add(Eos);
        return [.. ids];
    }

    /// <summary>Parses request lyrics (<see cref="LyricsText"/>) and encodes them; a bad text throws with the reason.</summary>
    public static int[] Encode(string lyrics)
    {
        var (sections, error) = LyricsText.Parse(lyrics);
        return error is null ? Encode(sections) : throw new ArgumentException($"Lyrics {error}.", nameof(lyrics));
    }

    /// <summary>The lyrics text of ids (tags on their own lines), special ids other than tags and line breaks skipped.</summary>
    public static string Decode(IEnumerable<int> ids)
    {
        ArgumentNullException.ThrowIfNull(ids);
        var sb = new System.Text.StringBuilder();
        foreach (int id in ids)
        {
            switch (id)
            {
                case >= FirstTag and < Space:
                    if (sb.Length > 0) sb.Append('\n');
                    sb.Append(LyricsText.Tags[id - FirstTag]).Append('\n');
                    break;
                case LineBreak: sb.Append('\n'); break;
                case Space: sb.Append(' '); break;
                case Apostrophe: sb.Append('\''); break;
                case >= FirstLetter and < VocabularySize: sb.Append((char)('a' + id - FirstLetter)); break;
                case Pad or Bos or Eos: break;
                default: throw new ArgumentOutOfRangeException(nameof(ids), id, $"Not a lyrics token id (0..{VocabularySize - 1}).");
            }
        }
        return sb.ToString();
    }

    static int Id(char c) => c switch
    {
        ' ' => Space,
        '\'' => Apostrophe,
        >= 'a' and <= 'z' => FirstLetter + c - 'a',
        _ => throw new ArgumentException($"'{c}' is not a sung character (normalise with LyricsText first)."),
    };
}
