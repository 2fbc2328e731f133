using System.Globalization;
using System.Text.RegularExpressions;

namespace Media.Audio.Text;

/// <summary>
/// Written English to the words a speaker says, for text-to-speech: numbers, money, percentages, times,
/// dates, ordinals, fractions, common abbreviations (Dr., Mr., St., ...), units and symbols become words;
/// the punctuation that shapes prosody (, . ? ! ; :) is kept, brackets and dashes become commas, quotes
/// and other symbols are dropped. Pure C#, no system packages. Letter case is kept as written.
/// </summary>
public static partial class TextNormalizer
{
    /// <summary>Normalises <paramref name="text"/>; the result holds letters, apostrophes, hyphens, spaces and , . ? ! ; : only.</summary>
    public static string Normalize(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        string s = text
            .Replace('\u2019', '\'').Replace('\u2018', '\'').Replace('\u201C', '"').Replace('\u201D', '"')
            .Replace("\u2026", "...", StringComparison.Ordinal)
            .Replace("\u2014", ", ", StringComparison.Ordinal).Replace("\u2013", ", ", StringComparison.Ordinal);

        s = IsoDate().Replace(s, m => DateWords(Int(m.Groups[2]), Int(m.Groups[3]), Int(m.Groups[1])) ?? m.Value);
        s = SlashDate().Replace(s, m => DateWords(Int(m.Groups[1]), Int(m.Groups[2]), Int(m.Groups[3])) ?? m.Value);
        s = MonthDay().Replace(s, m => MonthName(m.Groups[1].Value) + " " + NumberWords.Ordinal(Int(m.Groups[2])));
        s = Money().Replace(s, MoneyWords);
        s = Percent().Replace(s, m => NumberWords.Number(m.Groups[1].Value) + " percent");
        s = Time().Replace(s, TimeWords);
        s = Decade().Replace(s, m => Plural(NumberWords.Year(Int(m.Groups[1]))));
        s = OrdinalNumber().Replace(s, m => NumberWords.Ordinal(long.Parse(m.Groups[1].Value.Replace(",", "", StringComparison.Ordinal), CultureInfo.InvariantCulture)));
        s = Fraction().Replace(s, FractionWords);
        s = NumberWithUnit().Replace(s, UnitWords);
        s = Abbreviation().Replace(s, AbbreviationWords);
        s = LatinAbbreviation().Replace(s, m => m.Value.StartsWith('e') || m.Value.StartsWith('E') ? "for example" : "that is");
        s = PlainNumber().Replace(s, NumberWordsOrYear);

        s = s.Replace("&", " and ", StringComparison.Ordinal).Replace("+", " plus ", StringComparison.Ordinal)
             .Replace("=", " equals ", StringComparison.Ordinal).Replace("@", " at ", StringComparison.Ordinal)
             .Replace("#", " number ", StringComparison.Ordinal).Replace("%", " percent ", StringComparison.Ordinal)
             .Replace("\u00B0", " degrees ", StringComparison.Ordinal).Replace("/", " slash ", StringComparison.Ordinal)
             .Replace("$", " dollars ", StringComparison.Ordinal);
        s = Bracket().Replace(s, ", ");
        s = LooseDash().Replace(s, ", ");
        s = Unsupported().Replace(s, " ");
        s = Ellipsis().Replace(s, ".");
        s = SpaceBeforePunctuation().Replace(s, "$1");
        s = RepeatedPause().Replace(s, m => m.Value.TrimStart(',', ' ').Length > 0 ? m.Value.TrimStart(',', ' ')[..1] : ",");
        s = Whitespace().Replace(s, " ").Trim();
        return LeadingPause().Replace(s, "");
    }

    static int Int(Group g) => int.Parse(g.Value, CultureInfo.InvariantCulture);

    static readonly string[] Months =
        ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"];

    static string MonthName(string written) =>
        Months.First(m => m.StartsWith(written.TrimEnd('.')[..3], StringComparison.OrdinalIgnoreCase));

    static string? DateWords(int month, int day, int year) =>
        month is >= 1 and <= 12 && day is >= 1 and <= 31
            ? $"{Months[month - 1]} {NumberWords.Ordinal(day)}, {NumberWords.Year(year)}"
            : null;

    static string MoneyWords(Match m)
    {
        var (one, many, centOne, centMany) = m.Groups[1].Value switch
        {
            "$" => ("dollar", "dollars", "cent", "cents"),
            "\u00A3" => ("pound", "pounds", "penny", "pence"),
            _ => ("euro", "euros", "cent", "cents"),
        };
        string whole = m.Groups[2].Value.Replace(",", "", StringComparison.Ordinal);
        string fraction = m.Groups[3].Value;
        string scale = m.Groups[4].Value;
        if (scale.Length > 0)
            return $"{NumberWords.Number(fraction.Length > 0 ? whole + "." + fraction : whole)} {scale} {many}";
        if (fraction.Length > 2 || whole.Length > 18)
            return $"{NumberWords.Number(whole + "." + fraction)} {many}";
        long units = long.Parse(whole, CultureInfo.InvariantCulture);
        int cents = fraction.Length == 0 ? 0 : int.Parse(fraction.PadRight(2, '0'), CultureInfo.InvariantCulture);
        string unitWords = $"{NumberWords.Cardinal(units)} {(units == 1 ? one : many)}";
        string centWords = $"{NumberWords.Cardinal(cents)} {(cents == 1 ? centOne : centMany)}";
        if (cents == 0) return unitWords;
        return units == 0 ? centWords : $"{unitWords} and {centWords}";
    }

    static string TimeWords(Match m)
    {
        int hour = Int(m.Groups[1]), minute = Int(m.Groups[2]);
        if (hour > 24 || minute > 59) return NumberWords.Cardinal(hour) + " " + NumberWords.Cardinal(minute);
        string meridiem = m.Groups[3].Success ? (char.ToLowerInvariant(m.Groups[3].Value[0]) == 'a' ? " a m" : " p m") : "";
        string minutes = minute == 0 ? (meridiem.Length > 0 ? "" : " o'clock")
            : minute < 10 ? " oh " + NumberWords.Cardinal(minute)
            : " " + NumberWords.Cardinal(minute);
        return NumberWords.Cardinal(hour) + minutes + meridiem;
    }

    static string Plural(string words) => words.EndsWith('y') ? words[..^1] + "ies" : words + "s";

    static string FractionWords(Match m)
    {
        long numerator = long.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture);
        int denominator = Int(m.Groups[2]);
        if (denominator is < 2 or > 10) return $"{NumberWords.Cardinal(numerator)} over {NumberWords.Cardinal(denominator)}";
        string unit = denominator switch { 2 => "half", 4 => "quarter", _ => NumberWords.Ordinal(denominator) };
        if (numerator != 1) unit = unit == "half" ? "halves" : unit + "s";
        return $"{NumberWords.Cardinal(numerator)} {unit}";
    }

    static readonly Dictionary<string, (string One, string Many)> Units = new(StringComparer.Ordinal)
    {
        ["km"] = ("kilometer", "kilometers"), ["m"] = ("meter", "meters"), ["cm"] = ("centimeter", "centimeters"),
        ["mm"] = ("millimeter", "millimeters"), ["kg"] = ("kilogram", "kilograms"), ["g"] = ("gram", "grams"),
        ["mph"] = ("mile per hour", "miles per hour"), ["km/h"] = ("kilometer per hour", "kilometers per hour"),
        ["ft"] = ("foot", "feet"), ["lb"] = ("pound", "pounds"), ["lbs"] = ("pound", "pounds"), ["oz"] = ("ounce", "ounces"),
        ["kHz"] = ("kilohertz", "kilohertz"), ["Hz"] = ("hertz", "hertz"), ["ms"] = ("millisecond", "milliseconds"),
        ["GB"] = ("gigabyte", "gigabytes"), ["MB"] = ("megabyte", "megabytes"),
    };

    static string UnitWords(Match m)
    {
        var (one, many) = Units[m.Groups[2].Value];
        string number = m.Groups[1].Value;
        return NumberWords.Number(number) + " " + (number == "1" ? one : many);
    }

    static readonly Dictionary<string, string> Abbreviations = new(StringComparer.Ordinal)
    {
        ["Dr"] = "Doctor", ["Mr"] = "Mister", ["Mrs"] = "Missus", ["Ms"] = "Miz", ["Prof"] = "Professor",
        ["Jr"] = "Junior", ["Sr"] = "Senior", ["Mt"] = "Mount", ["Ave"] = "Avenue", ["Rd"] = "Road",
        ["Blvd"] = "Boulevard", ["Capt"] = "Captain", ["Gen"] = "General", ["Sgt"] = "Sergeant", ["Lt"] = "Lieutenant",
        ["Col"] = "Colonel", ["Gov"] = "Governor", ["Sen"] = "Senator", ["Rep"] = "Representative",
        ["Inc"] = "Incorporated", ["Ltd"] = "Limited", ["Co"] = "Company", ["vs"] = "versus", ["etc"] = "et cetera",
        ["approx"] = "approximately", ["dept"] = "department", ["min"] = "minutes", ["hr"] = "hours",
    };

    static readonly HashSet<string> Titles = new(StringComparer.Ordinal)
        { "Dr", "Mr", "Mrs", "Ms", "Prof", "Capt", "Gen", "Sgt", "Lt", "Col", "Gov", "Sen", "Rep", "Mt" };

    static string AbbreviationWords(Match m)
    {
        string key = m.Groups[1].Value;
        bool beforeCapital = m.Groups[2].Success, beforeDigit = m.Groups[3].Success, atEnd = m.Groups[4].Success;
        string spacing = m.Groups[2].Value + m.Groups[3].Value;
        // "No. 5" is a number; "No." elsewhere is the word ending a sentence.
        if (key is "No" or "no") return beforeDigit ? "number" + spacing : m.Value;
        // "St. Paul" is a saint, "Main St." a street.
        bool saint = key == "St" && beforeCapital;
        string words = key == "St" ? (saint ? "Saint" : "Street") : Abbreviations[key];
        // A title binds to the name after it; other abbreviations before a capital or the end also end the sentence.
        bool endsSentence = !saint && !Titles.Contains(key) && (beforeCapital || atEnd);
        return words + (endsSentence ? "." : "") + spacing;
    }

    static string NumberWordsOrYear(Match m)
    {
        string number = m.Value;
        // A bare four-digit number in 1100-2099 is read as a year ("in 1990"); grouped (1,990) or decimal is not.
        if (number.Length == 4 && int.TryParse(number, NumberStyles.None, CultureInfo.InvariantCulture, out int year) && year is >= 1100 and <= 2099)
            return NumberWords.Year(year);
        return NumberWords.Number(number);
    }

    [GeneratedRegex(@"\b(\d{4})-(\d{1,2})-(\d{1,2})\b")]
    private static partial Regex IsoDate();

    [GeneratedRegex(@"\b(\d{1,2})/(\d{1,2})/(\d{4})\b")]
    private static partial Regex SlashDate();

    [GeneratedRegex(@"\b(January|February|March|April|May|June|July|August|September|October|November|December|Jan\.?|Feb\.?|Mar\.?|Apr\.?|Jun\.?|Jul\.?|Aug\.?|Sept?\.?|Oct\.?|Nov\.?|Dec\.?)\s+(\d{1,2})(?:st|nd|rd|th)?\b")]
    private static partial Regex MonthDay();

    [GeneratedRegex(@"([$\u00A3\u20AC])\s?(\d(?:[\d,]*\d)?)(?:\.(\d+))?(?:\s+(thousand|million|billion|trillion)\b)?")]
    private static partial Regex Money();

    [GeneratedRegex(@"(-?\d(?:[\d,]*\d)?(?:\.\d+)?)\s?%")]
    private static partial Regex Percent();

    [GeneratedRegex(@"\b(\d{1,2}):(\d{2})\b(?:\s?([AaPp])\.?[Mm]\b(?:\.(?!\s*$))?)?")]
    private static partial Regex Time();

    [GeneratedRegex(@"\b(1[1-9]\d0|20[0-9]0)s\b")]
    private static partial Regex Decade();

    [GeneratedRegex(@"\b(\d(?:[\d,]*\d)?)(?:st|nd|rd|th)\b")]
    private static partial Regex OrdinalNumber();

    [GeneratedRegex(@"\b(\d+)/(\d+)\b")]
    private static partial Regex Fraction();

    [GeneratedRegex(@"(?<![\w.])(-?\d(?:[\d,]*\d)?(?:\.\d+)?)\s?(km/h|km|cm|mm|kg|mph|ft|lbs|lb|oz|kHz|Hz|ms|GB|MB|m|g)\b")]
    private static partial Regex NumberWithUnit();

    [GeneratedRegex(@"\b(Dr|Mrs|Mr|Ms|Prof|Jr|Sr|St|Mt|Ave|Rd|Blvd|Capt|Gen|Sgt|Lt|Col|Gov|Sen|Rep|Inc|Ltd|Co|vs|etc|approx|dept|min|hr|No|no)\.(\s+(?=[A-Z]))?(\s+(?=\d))?(\s*$)?")]
    private static partial Regex Abbreviation();

    [GeneratedRegex(@"\b(?:[Ee]\.g\.|[Ii]\.e\.)")]
    private static partial Regex LatinAbbreviation();

    [GeneratedRegex(@"(?<![\w])-?\d(?:[\d,]*\d)?(?:\.\d+)?|\d+")]
    private static partial Regex PlainNumber();

    [GeneratedRegex(@"\s*[()\[\]{}]\s*")]
    private static partial Regex Bracket();

    [GeneratedRegex(@"\s+-+\s+|--+")]
    private static partial Regex LooseDash();

    [GeneratedRegex(@"[^\p{L}\s',.?!;:-]")]
    private static partial Regex Unsupported();

    [GeneratedRegex(@"\.{2,}")]
    private static partial Regex Ellipsis();

    [GeneratedRegex(@"\s+([,.?!;:])")]
    private static partial Regex SpaceBeforePunctuation();

    [GeneratedRegex(@"[,;:](?:\s*[,.?!;:])+")]
    private static partial Regex RepeatedPause();

    [GeneratedRegex(@"\s+")]
    private static partial Regex Whitespace();

    [GeneratedRegex(@"^[\s,.;:]+")]
    private static partial Regex LeadingPause();
}
