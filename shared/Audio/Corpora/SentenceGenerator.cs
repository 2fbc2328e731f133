using System.Globalization;
using System.Text;

namespace Media.Audio.Corpora;

/// <summary>
/// Varied written English sentences from templates and word lists: names with titles, numbers, money,
/// percentages, times, dates, ordinals, measures, questions and exclamations, commas and semicolons.
/// Sentence <c>i</c> of a seed depends on (seed, i) only, so a longer corpus extends a shorter one.
/// </summary>
public static class SentenceGenerator
{
    static readonly string[] Titles = ["Dr.", "Mr.", "Mrs.", "Ms.", "Prof."];
    static readonly string[] Surnames =
    [
        "Smith", "Johnson", "Brown", "Garcia", "Miller", "Davis", "Wilson", "Moore", "Taylor", "Clark",
        "Lewis", "Walker", "Hall", "Young", "King", "Wright", "Lopez", "Hill", "Green", "Baker", "Turner", "Parker",
    ];
    static readonly string[] FirstNames =
    [
        "Anna", "Ben", "Clara", "David", "Emma", "Felix", "Grace", "Henry", "Iris", "Jack", "Laura", "Mark",
        "Nora", "Oscar", "Paula", "Quinn", "Rosa", "Sam", "Tina", "Victor", "Wendy", "Zoe",
    ];
    static readonly string[] Places =
    [
        "the station", "the library", "the market", "the harbor", "the museum", "the old bridge", "the bakery",
        "the garden", "the office", "the airport", "the river", "the hospital", "the school", "the village square",
    ];
    static readonly string[] Cities = ["Boston", "Denver", "Chicago", "Seattle", "Austin", "Portland", "Phoenix", "Atlanta", "Dallas", "Miami"];
    static readonly string[] Streets = ["Main St.", "Oak Ave.", "Park Rd.", "Elm St.", "Hill Rd.", "Lake Ave."];
    static readonly string[] Objects =
    [
        "umbrella", "bicycle", "letter", "camera", "notebook", "guitar", "lamp", "ticket", "basket", "clock",
        "map", "jacket", "kettle", "painting", "radio", "suitcase", "telescope", "violin",
    ];
    static readonly string[] Adjectives =
    [
        "red", "old", "small", "heavy", "bright", "quiet", "strange", "new", "broken", "shiny", "wooden",
        "tiny", "green", "expensive", "lovely", "dusty",
    ];
    static readonly string[] PastVerbs = ["found", "bought", "sold", "painted", "carried", "repaired", "borrowed", "lost", "opened", "cleaned"];
    static readonly string[] Foods = ["apples", "oranges", "loaves of bread", "cups of tea", "eggs", "tomatoes", "cookies", "sandwiches"];
    static readonly string[] Animals = ["dog", "cat", "horse", "parrot", "rabbit", "fox", "owl", "goat"];
    static readonly string[] Days = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"];
    static readonly string[] Months =
        ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"];
    static readonly string[] Units = ["km", "kg", "miles", "meters", "hours", "minutes", "liters"];
    static readonly string[] Weather = ["raining", "snowing", "sunny", "windy", "foggy", "cold", "warm"];

    static readonly Func<SeededRandom, string>[] Templates =
    [
        r => $"{Person(r)} paid {Money(r)} for the {r.Pick(Adjectives)} {r.Pick(Objects)} on the {Ordinal(r, 31)}.",
        r => $"The train to {r.Pick(Cities)} leaves at {Time(r)}, so please don't be late!",
        r => $"Did {Person(r)} really {r.Pick(["find", "buy", "sell", "repair"])} {r.Next(2, 60)} {r.Pick(Objects)}s yesterday?",
        r => $"On {r.Pick(Months)} {r.Next(1, 29)}, {r.Next(1950, 2031)}, the {r.Pick(Animals)} {r.Pick(PastVerbs)} a {r.Pick(Objects)}.",
        r => $"Prices rose by {r.Next(1, 40)}.{r.Next(0, 10)}% in {r.Pick(Months)}; nobody expected that.",
        r => $"{r.Pick(FirstNames)} lives at {r.Next(1, 2500)} {r.Pick(Streets)} near {r.Pick(Places)}.",
        r => $"We walked {r.Next(2, 30)} {r.Pick(Units)} before we reached {r.Pick(Places)}.",
        r => $"Is it {r.Pick(Weather)} in {r.Pick(Cities)} today, or is that just the forecast?",
        r => $"The meeting moved from {Time(r)} to {Time(r)} on {r.Pick(Days)}.",
        r => $"About {r.Next(2, 99)}% of the {r.Pick(Foods)} were gone by noon.",
        r => $"{Person(r)} said, \"I have {r.Next(2, 13)} {r.Pick(Foods)} and {Money(r)} left.\"",
        r => $"Room number {r.Next(100, 999)} is on the {Ordinal(r, 12)} floor.",
        r => $"What a {r.Pick(Adjectives)} {r.Pick(Animals)} that is!",
        r => $"In {r.Next(1890, 2024)}, {r.Pick(Cities)} had {Thousands(r)} people.",
        r => $"Please bring the {r.Pick(Adjectives)} {r.Pick(Objects)}, the {r.Pick(Objects)}, and the {r.Pick(Objects)}.",
        r => $"Why did the {r.Pick(Animals)} run across {r.Pick(Places)} at {Time(r)}?",
        r => $"The {r.Pick(Objects)} weighs {r.Next(1, 99)}.{r.Next(1, 10)} kg and costs {Money(r)}.",
        r => $"{r.Pick(FirstNames)} finished {Ordinal(r, 20)} out of {r.Next(20, 200)} runners.",
        r => $"Call me at {Time(r)}; I'll be at {r.Pick(Places)} until then.",
        r => $"The {r.Pick(Adjectives)} {r.Pick(Objects)} was {r.Pick(PastVerbs)} by {Person(r)} in {r.Pick(Months)}.",
        r => $"Only {r.Next(1, 9)}/{r.Next(2, 9)} of the class came on {r.Pick(Days)}.",
        r => $"Have you ever seen a {r.Pick(Adjectives)} {r.Pick(Animals)} eat {r.Pick(Foods)}?",
        r => $"It costs {Money(r)}, not {Money(r)}, said the man at {r.Pick(Places)}.",
        r => $"The temperature dropped to {r.Next(-15, 40)} degrees on {r.Pick(Days)} night.",
        r => $"{Person(r)} and {Person(r)} met at {r.Pick(Places)} in {r.Pick(Cities)}.",
        r => $"Turn left after {r.Next(100, 900)} meters, then take the {Ordinal(r, 6)} exit.",
        r => $"There were {Thousands(r)} tickets sold for the {r.Pick(Days)} show.",
        r => $"Wait, is the {r.Pick(Objects)} really worth {Money(r)}?",
    ];

    /// <summary>Sentence <paramref name="index"/> of <paramref name="seed"/> in written form (digits, symbols, abbreviations).</summary>
    public static string Sentence(ulong seed, int index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        var random = new SeededRandom(SeededRandom.Derive(seed, (ulong)index));
        return random.Pick(Templates)(random);
    }

    /// <summary>Number of templates (for coverage checks).</summary>
    public static int TemplateCount => Templates.Length;

    static string Person(SeededRandom r) => r.Chance(0.5)
        ? $"{r.Pick(Titles)} {r.Pick(Surnames)}"
        : r.Pick(FirstNames);

    static string Money(SeededRandom r) => r.Next(4) switch
    {
        0 => $"${r.Next(1, 100)}",
        1 => $"${r.Next(0, 50)}.{r.Next(1, 100):00}",
        2 => "$" + r.Next(1000, 5000).ToString("#,0", CultureInfo.InvariantCulture),
        _ => $"${r.Next(1, 20)}.{r.Next(0, 10)} million",
    };

    static string Time(SeededRandom r)
    {
        var sb = new StringBuilder();
        sb.Append(CultureInfo.InvariantCulture, $"{r.Next(1, 13)}:{r.Pick([0, 5, 10, 15, 20, 30, 45, 50]):00}");
        if (r.Chance(0.5)) sb.Append(r.Chance(0.5) ? " am" : " pm");
        return sb.ToString();
    }

    static string Ordinal(SeededRandom r, int max)
    {
        int n = r.Next(1, max + 1);
        string suffix = (n % 100) is 11 or 12 or 13 ? "th" : (n % 10) switch { 1 => "st", 2 => "nd", 3 => "rd", _ => "th" };
        return n.ToString(CultureInfo.InvariantCulture) + suffix;
    }

    static string Thousands(SeededRandom r) => r.Next(1000, 2_000_000).ToString("#,0", CultureInfo.InvariantCulture);
}
