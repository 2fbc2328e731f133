using Media.Audio.Corpora;
using Media.Services.Audio.Speech.Recognizer;

namespace Media.Services.Audio.Tests.Speech.Recognizer;

public class CharacterErrorRateTests
{
    [Theory]
    [InlineData("kitten", "sitting", 3)]
    [InlineData("abc", "", 3)]
    [InlineData("", "abc", 3)]
    [InlineData("flaw", "lawn", 2)]
    [InlineData("same", "same", 0)]
    [InlineData("ab", "ba", 2)]
    public void Edit_distance_matches_hand_counted_examples(string reference, string hypothesis, int edits)
    {
        Assert.Equal(edits, CharacterErrorRate.EditDistance(reference, hypothesis));
    }

    [Fact]
    public void Edit_distance_matches_the_recursive_definition_on_random_strings()
    {
        var random = new SeededRandom(7);
        for (int trial = 0; trial < 200; trial++)
        {
            string a = RandomString(random), b = RandomString(random);
            Assert.Equal(Recursive(a, b), CharacterErrorRate.EditDistance(a, b));
        }
    }

    [Fact]
    public void Cer_divides_edits_by_reference_length_and_pools_a_corpus()
    {
        Assert.Equal(0.25, CharacterErrorRate.Compute("abcd", "abed"), 12);
        Assert.Equal(1.5, CharacterErrorRate.Compute("ab", "xyz"), 12);
        // (1 + 2) edits over (4 + 2) characters.
        Assert.Equal(0.5, CharacterErrorRate.Compute([("abcd", "abed"), ("ab", "")]), 12);
        Assert.Throws<ArgumentException>(() => CharacterErrorRate.Compute("", "a"));
    }

    [Theory]
    [InlineData("the red car", "the red car", 0)]
    [InlineData("the red car", "the bed car", 1)]    // a substitution in the span
    [InlineData("the red car", "thx red cxr", 0)]    // errors outside the span do not count
    [InlineData("the red car", "the rd car", 1)]     // a deletion in the span
    [InlineData("the red car", "the reed car", 1)]   // an insertion inside the span
    [InlineData("the red car", "the xyzzy car", 5)]  // three substitutions and two insertions
    public void Span_edits_count_the_errors_on_the_span_of_a_whole_utterance(string reference, string hypothesis, int expected)
    {
        Assert.Equal(expected, CharacterErrorRate.SpanEdits(reference, hypothesis, 4, 7));
    }

    [Fact]
    public void Span_edits_over_the_whole_reference_are_the_edit_distance()
    {
        var random = new SeededRandom(3);
        for (int i = 0; i < 200; i++)
        {
            string a = RandomString(random), b = RandomString(random);
            Assert.Equal(CharacterErrorRate.EditDistance(a, b), CharacterErrorRate.SpanEdits(a, b, 0, a.Length) + (a.Length == 0 ? b.Length : 0));
        }
    }

    static string RandomString(SeededRandom random) => new(Enumerable.Range(0, random.Next(0, 7)).Select(_ => (char)('a' + random.Next(3))).ToArray());

    // Levenshtein's definition, memo-free: fine for strings of at most 6 characters.
    static int Recursive(string a, string b)
    {
        if (a.Length == 0) return b.Length;
        if (b.Length == 0) return a.Length;
        int cost = a[^1] == b[^1] ? 0 : 1;
        return Math.Min(Recursive(a[..^1], b[..^1]) + cost, Math.Min(Recursive(a[..^1], b) + 1, Recursive(a, b[..^1]) + 1));
    }
}
