using System.Text;
using Media.Audio.Text;

namespace Media.Services.Song.Lyrics;

/// <summary>One section of request lyrics: its tag (<c>[verse]</c>, <c>[chorus]</c>, <c>[bridge]</c>) and sung lines, normalised.</summary>
public sealed record LyricsSection(string Tag, IReadOnlyList<string> Lines);

/// <summary>
/// Lyrics as a song request writes them: one sung line per text line, sections opened by a tag on its own line
/// (<c>[verse]</c>, <c>[chorus]</c>, <c>[bridge]</c>; lines before the first tag are a verse). Lines are normalised the
/// way the speech front end does it (<see cref="TextNormalizer"/>: numbers, symbols and abbreviations to words), lower
/// case, punctuation dropped, so only letters, apostrophes and spaces are sung. Anything else is refused with a reason.
/// </summary>
public static class LyricsText
{
    /// <summary>The tags a song model here knows (the corpus's).</summary>
    public static IReadOnlyList<string> Tags { get; } = ["[verse]", "[chorus]", "[bridge]"];

    /// <summary>Most sung lines a request may hold (a 30 s SongGen-sized song sings far fewer).</summary>
    public const int MaxLines = 64;

    /// <summary>Most characters of sung text after normalisation.</summary>
    public const int MaxSungCharacters = 2000;

    /// <summary>Parses and normalises <paramref name="lyrics"/>, or says why they cannot be sung.</summary>
    public static (IReadOnlyList<LyricsSection> Sections, string? Error) Parse(string lyrics)
    {
        ArgumentNullException.ThrowIfNull(lyrics);
        var sections = new List<(string Tag, List<string> Lines)>();
        int lines = 0, characters = 0, number = 0;
        foreach (string raw in lyrics.ReplaceLineEndings("\n").Split('\n'))
        {
            number++;
            string line = raw.Trim();
            if (line.Length == 0) continue;
            if (line.StartsWith('['))
            {
                string tag = line.ToLowerInvariant();
                if (!tag.EndsWith(']') || !Tags.Contains(tag, StringComparer.Ordinal))
                    return ([], $"line {number}: unknown tag {Shorten(line)}; known tags: {string.Join(", ", Tags)}");
                sections.Add((tag, []));
                continue;
            }
            string sung = Sung(line);
            if (sung.Any(c => !IsSung(c)))
            {
                char bad = sung.First(c => !IsSung(c));
                return ([], $"line {number}: '{bad}' cannot be sung; use letters, digits, apostrophes and punctuation");
            }
            if (sung.Length == 0) continue;
            if (sections.Count == 0) sections.Add(("[verse]", []));
            sections[^1].Lines.Add(sung);
            lines++;
            characters += sung.Length + 1;
            if (lines > MaxLines) return ([], $"has more than {MaxLines} sung lines");
            if (characters > MaxSungCharacters) return ([], $"has more than {MaxSungCharacters} characters of sung text");
        }
        if (lines == 0) return ([], "has no line to sing (only tags, punctuation or blank lines)");
        var empty = sections.FirstOrDefault(s => s.Lines.Count == 0);
        if (empty.Tag is not null) return ([], $"section {empty.Tag} has no lines");
        return ([.. sections.Select(s => new LyricsSection(s.Tag, s.Lines))], null);
    }

    /// <summary>The reason <paramref name="lyrics"/> cannot be sung, or null (a job field's content check).</summary>
    public static string? Check(string lyrics) => Parse(lyrics).Error;

    /// <summary>What is heard: the sung lines joined by spaces (the recognizer's reference for lyric adherence).</summary>
    public static string Transcript(IEnumerable<LyricsSection> sections)
    {
        ArgumentNullException.ThrowIfNull(sections);
        return string.Join(" ", sections.SelectMany(s => s.Lines));
    }

    // Normalised (numbers and symbols to words), lower case, with punctuation and hyphens turned into single spaces.
    static string Sung(string line)
    {
        string normalized = TextNormalizer.Normalize(line).ToLowerInvariant();
        var sb = new StringBuilder(normalized.Length);
        foreach (char c in normalized)
        {
            char k = char.IsPunctuation(c) && c != '\'' || char.IsWhiteSpace(c) ? ' ' : c;
            if (k == ' ' && (sb.Length == 0 || sb[^1] == ' ')) continue;
            sb.Append(k);
        }
        return sb.ToString().Trim();
    }

    static bool IsSung(char c) => c is (>= 'a' and <= 'z') or '\'' or ' ';

    static string Shorten(string s) => s.Length <= 24 ? s : s[..24] + "...";
}
