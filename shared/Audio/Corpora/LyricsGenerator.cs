using System.Text;

namespace Media.Audio.Corpora;

/// <summary>
/// Song lyrics with structure tags, deterministic by seed: a <c>[verse]</c> of four lines (rhymed AABB or ABAB), a
/// <c>[chorus]</c> couplet (AA) and, in some songs, a <c>[bridge]</c> couplet and the chorus again. Every line of a
/// song has the same number of syllables (its meter, 6 to 8), so the melody can give each syllable one note, and
/// ends on a one-syllable noun; lines that rhyme end on different nouns of one rhyme family. Lines are built as
/// subject + verb phrase + determiner + optional adjective + noun, so they read as (simple) English.
/// </summary>
public static class LyricsGenerator
{
    /// <summary>Syllables per line a song may use.</summary>
    public static IReadOnlyList<int> Meters { get; } = [6, 7, 8];

    /// <summary>The section tags, in the form written in the lyrics.</summary>
    public static IReadOnlyList<string> Tags { get; } = ["[verse]", "[chorus]", "[bridge]"];

    // One-syllable nouns grouped by their rhyme (same stressed vowel and coda).
    static readonly string[][] RhymeFamilies =
    [
        ["night", "light", "sight", "kite"], ["day", "way", "bay", "ray"], ["rain", "train", "lane", "chain"],
        ["shore", "door", "floor", "store"], ["sea", "tree", "key", "bee"], ["stone", "throne", "bone", "phone"],
        ["star", "car", "bar", "jar"], ["moon", "tune", "dune", "spoon"], ["bell", "well", "shell", "spell"],
        ["fire", "wire", "spire", "choir"], ["hill", "mill", "sill", "till"], ["sun", "gun", "bun", "run"],
    ];

    static readonly string[] Subjects =
    [
        "I", "we", "you", "they", "the stars", "our hearts", "the birds", "the children", "my friends", "the rivers",
        "the dancers", "we all",
    ];

    static readonly string[] VerbPhrases =
    [
        "walk into", "sing about", "dream of", "wait for", "run along", "hold on to", "look up at", "fall into",
        "call out to", "keep on chasing", "never leave", "remember", "believe in", "come back to", "fly over",
        "travel to", "sail across", "hide behind", "shine upon", "drive along",
    ];

    static readonly string[] Determiners = ["the", "my", "your", "a", "our"];

    static readonly string[] Adjectives =
    [
        "bright", "cold", "old", "wild", "blue", "warm", "dark", "soft", "golden", "quiet", "open", "endless",
        "silver", "broken", "hidden", "little", "gentle", "shining",
    ];

    // Syllable counts of the vocabulary's words with more than one syllable (every other word has one).
    static readonly Dictionary<string, int> Syllables = new(StringComparer.Ordinal)
    {
        ["children"] = 2, ["rivers"] = 2, ["dancers"] = 2, ["into"] = 2, ["about"] = 2, ["along"] = 2, ["chasing"] = 2,
        ["never"] = 2, ["remember"] = 3, ["believe"] = 2, ["over"] = 2, ["travel"] = 2, ["across"] = 2, ["behind"] = 2,
        ["upon"] = 2, ["golden"] = 2, ["quiet"] = 2, ["open"] = 2, ["endless"] = 2, ["silver"] = 2, ["broken"] = 2,
        ["hidden"] = 2, ["little"] = 2, ["gentle"] = 2, ["shining"] = 2, ["leave"] = 1, ["choir"] = 1,
    };

    /// <summary>Section layouts: tags and the rhyme scheme of each section (equal letters rhyme).</summary>
    static readonly (string Tag, string Scheme)[][] Structures =
    [
        [("[verse]", "AABB"), ("[chorus]", "CC")],
        [("[verse]", "ABAB"), ("[chorus]", "CC")],
        [("[verse]", "AABB"), ("[chorus]", "CC"), ("[bridge]", "DD"), ("[chorus]", "CC")],
        [("[verse]", "ABAB"), ("[bridge]", "DD"), ("[chorus]", "CC")],
    ];

    /// <summary>Number of syllables of <paramref name="word"/> (a word of this generator's vocabulary, lower or upper case).</summary>
    public static int SyllablesOf(string word)
    {
        ArgumentException.ThrowIfNullOrEmpty(word);
        return Syllables.TryGetValue(word.ToLowerInvariant(), out int n) ? n : 1;
    }

    /// <summary>The rhyme family (index) of a line-final noun, or -1 when it is none of the generator's rhyme words.</summary>
    public static int RhymeFamilyOf(string word)
    {
        ArgumentNullException.ThrowIfNull(word);
        for (int i = 0; i < RhymeFamilies.Length; i++)
            if (RhymeFamilies[i].Contains(word.ToLowerInvariant(), StringComparer.Ordinal)) return i;
        return -1;
    }

    /// <summary>The lyrics of song <paramref name="seed"/>.</summary>
    public static SongLyrics Generate(ulong seed)
    {
        var random = new SeededRandom(SeededRandom.Derive(seed, 0x1F1C5UL));
        int meter = random.Pick(Meters);
        var structure = random.Pick(Structures);
        var families = new Dictionary<char, string[]>();
        var usedFamilies = new HashSet<int>();
        var written = new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal); // a repeated chorus is sung again as written
        var sections = new List<LyricSection>();
        foreach (var (tag, scheme) in structure)
        {
            if (written.TryGetValue(tag, out var again))
            {
                sections.Add(new LyricSection(tag, again));
                continue;
            }
            var endings = new Dictionary<char, HashSet<string>>();
            var lines = new List<string>();
            foreach (char letter in scheme)
            {
                if (!families.TryGetValue(letter, out var family))
                {
                    int index;
                    do index = random.Next(RhymeFamilies.Length); while (!usedFamilies.Add(index));
                    families[letter] = family = RhymeFamilies[index];
                }
                if (!endings.TryGetValue(letter, out var used)) endings[letter] = used = [];
                string noun;
                do noun = random.Pick(family); while (!used.Add(noun)); // rhyming lines end on different words
                lines.Add(Line(random, meter, noun));
            }
            written[tag] = lines;
            sections.Add(new LyricSection(tag, lines));
        }
        return new SongLyrics(sections, meter);
    }

    // Draws subject, verb phrase, determiner and adjective until the line has exactly `meter` syllables.
    static string Line(SeededRandom random, int meter, string noun)
    {
        for (int attempt = 0; ; attempt++)
        {
            string subject = random.Pick(Subjects), verb = random.Pick(VerbPhrases), determiner = random.Pick(Determiners);
            string? adjective = random.Chance(0.7) ? random.Pick(Adjectives) : null;
            if (determiner == "a" && adjective is { } a && "aeiou".Contains(a[0], StringComparison.Ordinal)) determiner = "an";
            var words = new StringBuilder().Append(subject).Append(' ').Append(verb).Append(' ').Append(determiner);
            if (adjective is not null) words.Append(' ').Append(adjective);
            words.Append(' ').Append(noun);
            string line = words.ToString();
            if (CountSyllables(line) == meter) return line;
            if (attempt > 10_000) throw new InvalidOperationException($"No line of {meter} syllables ends on '{noun}'."); // cannot happen with these word lists
        }
    }

    /// <summary>Syllables in a line of this generator's words.</summary>
    public static int CountSyllables(string line)
    {
        ArgumentNullException.ThrowIfNull(line);
        return line.Split(' ', StringSplitOptions.RemoveEmptyEntries).Sum(SyllablesOf);
    }
}

/// <summary>One tagged section of a song's lyrics.</summary>
public sealed record LyricSection(string Tag, IReadOnlyList<string> Lines);

/// <summary>
/// A song's lyrics: tagged sections in order (a repeated chorus appears again with the same lines) and the meter,
/// the syllables of every line.
/// </summary>
public sealed record SongLyrics(IReadOnlyList<LyricSection> Sections, int Meter)
{
    /// <summary>The sung lines in order.</summary>
    public IEnumerable<string> Lines => Sections.SelectMany(s => s.Lines);

    /// <summary>The lyrics as written for a song request: each tag on its own line, then its lines.</summary>
    public string Text => string.Join("\n", Sections.SelectMany(s => s.Lines.Prepend(s.Tag)));

    /// <summary>What a listener hears: the sung words in order, lower case, single spaces (the recognizer's reference).</summary>
    public string Transcript => string.Join(" ", Lines).ToLowerInvariant();
}
