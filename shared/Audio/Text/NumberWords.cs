using System.Globalization;
using System.Text;

namespace Media.Audio.Text;

/// <summary>English number words: cardinals, ordinals, years, digit strings (American style, no "and").</summary>
public static class NumberWords
{
    static readonly string[] Ones =
    [
        "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
        "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen",
    ];
    static readonly string[] Tens = ["", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"];
    static readonly (long Value, string Name)[] Scales =
    [
        (1_000_000_000_000_000_000, "quintillion"), (1_000_000_000_000_000, "quadrillion"), (1_000_000_000_000, "trillion"),
        (1_000_000_000, "billion"), (1_000_000, "million"), (1_000, "thousand"),
    ];

    /// <summary>123 -> "one hundred twenty-three"; -5 -> "minus five".</summary>
    public static string Cardinal(long value)
    {
        if (value == long.MinValue) throw new ArgumentOutOfRangeException(nameof(value), "long.MinValue has no positive counterpart.");
        if (value < 0) return "minus " + Cardinal(-value);
        if (value < 1000) return BelowThousand((int)value);
        var parts = new List<string>();
        foreach (var (scale, name) in Scales)
        {
            if (value >= scale)
            {
                parts.Add(BelowThousand((int)(value / scale)) + " " + name);
                value %= scale;
            }
        }
        if (value > 0) parts.Add(BelowThousand((int)value));
        return string.Join(' ', parts);
    }

    static string BelowThousand(int n)
    {
        if (n < 20) return Ones[n];
        if (n < 100) return n % 10 == 0 ? Tens[n / 10] : Tens[n / 10] + "-" + Ones[n % 10];
        string head = Ones[n / 100] + " hundred";
        return n % 100 == 0 ? head : head + " " + BelowThousand(n % 100);
    }

    /// <summary>1 -> "first", 22 -> "twenty-second", 100 -> "one hundredth".</summary>
    public static string Ordinal(long value)
    {
        string cardinal = Cardinal(value);
        int cut = Math.Max(cardinal.LastIndexOf(' '), cardinal.LastIndexOf('-')) + 1;
        string last = cardinal[cut..];
        string ordinalLast = last switch
        {
            "one" => "first", "two" => "second", "three" => "third", "five" => "fifth", "eight" => "eighth",
            "nine" => "ninth", "twelve" => "twelfth",
            _ when last.EndsWith('y') => last[..^1] + "ieth",
            _ => last + "th",
        };
        return cardinal[..cut] + ordinalLast;
    }

    /// <summary>
    /// A year as spoken: 1990 -> "nineteen ninety", 1905 -> "nineteen oh five", 1900 -> "nineteen hundred",
    /// 2000 -> "two thousand", 2008 -> "two thousand eight", 2024 -> "twenty twenty-four".
    /// </summary>
    public static string Year(int year)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(year);
        // Round thousands and 2001-2009 read as plain numbers ("two thousand eight"), the rest in pairs of digits.
        if (year < 1000 || year % 1000 == 0 || (year / 1000 == 2 && year % 1000 < 10)) return Cardinal(year);
        int high = year / 100, low = year % 100;
        if (low == 0) return Cardinal(high) + " hundred";
        return Cardinal(high) + " " + (low < 10 ? "oh " + Cardinal(low) : Cardinal(low));
    }

    /// <summary>"0750" -> "zero seven five zero" (for decimals, phone-like strings).</summary>
    public static string Digits(string digits)
    {
        ArgumentNullException.ThrowIfNull(digits);
        var sb = new StringBuilder();
        foreach (char c in digits)
        {
            if (!char.IsAsciiDigit(c)) throw new ArgumentException($"'{digits}' is not a digit string.", nameof(digits));
            if (sb.Length > 0) sb.Append(' ');
            sb.Append(Ones[c - '0']);
        }
        return sb.ToString();
    }

    /// <summary>"3.14" -> "three point one four"; "1,250" -> "one thousand two hundred fifty"; "-2" -> "minus two".</summary>
    public static string Number(string text)
    {
        ArgumentException.ThrowIfNullOrEmpty(text);
        bool negative = text[0] == '-';
        string body = (negative ? text[1..] : text).Replace(",", "", StringComparison.Ordinal);
        int dot = body.IndexOf('.', StringComparison.Ordinal);
        string whole = dot < 0 ? body : body[..dot];
        string fraction = dot < 0 ? "" : body[(dot + 1)..];
        if (whole.Length == 0) whole = "0";
        string words = whole.Length > 18
            ? Digits(whole)
            : Cardinal(long.Parse(whole, NumberStyles.None, CultureInfo.InvariantCulture));
        if (fraction.Length > 0) words += " point " + Digits(fraction);
        return negative ? "minus " + words : words;
    }
}
