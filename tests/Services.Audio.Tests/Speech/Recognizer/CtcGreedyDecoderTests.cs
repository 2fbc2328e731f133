using System.Text.RegularExpressions;
using Media.Audio.Corpora;
using Media.Services.Audio.Speech.Recognizer;

namespace Media.Services.Audio.Tests.Speech.Recognizer;

public class CtcGreedyDecoderTests
{
    [Fact]
    public void Repeats_merge_and_blanks_separate_genuine_doubles()
    {
        // a a _ a b b _ _ b  ->  a a b b
        Assert.Equal(new[] { 1, 1, 2, 2 }, CtcGreedyDecoder.Collapse([1, 1, 0, 1, 2, 2, 0, 0, 2], blank: 0));
        Assert.Empty(CtcGreedyDecoder.Collapse([0, 0, 0], blank: 0));
        Assert.Equal(new[] { 3 }, CtcGreedyDecoder.Collapse([3, 3, 3], blank: 0));
    }

    [Fact]
    public void Collapse_matches_a_string_based_reference_on_random_paths()
    {
        var random = new SeededRandom(3);
        for (int trial = 0; trial < 300; trial++)
        {
            var path = Enumerable.Range(0, random.Next(0, 30)).Select(_ => random.Next(4)).ToArray();
            // Reference: letters for ids ('_' for the blank), squeeze runs with a regex, then delete blanks.
            string letters = new(path.Select(id => id == 0 ? '_' : (char)('a' + id)).ToArray());
            string expected = Regex.Replace(letters, @"(.)\1+", "$1").Replace("_", "", StringComparison.Ordinal);
            string actual = new(CtcGreedyDecoder.Collapse(path, blank: 0).Select(id => (char)('a' + id)).ToArray());
            Assert.Equal(expected, actual);
        }
    }
}
